/** /probe: one probe run on demand, answered as metrics (checks/on-demand.ts); 404 while probe_endpoint is off. */
import type { FastifyPluginAsync } from 'fastify';
import type { OnDemandProbes } from '../checks/on-demand.js';

export const probeRoutes: FastifyPluginAsync<{ probes: () => OnDemandProbes }> = async (app, opts) => {
  app.get<{ Querystring: { check?: string; module?: string; target?: string } }>('/probe', async (req, reply) => {
    const q = req.query;
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const gone = new AbortController();
    // The response closes before it was written: the client went away (a scrape timeout).
    reply.raw.on('close', () => { if (!reply.raw.writableFinished) gone.abort(); });
    const answer = await opts.probes().probe({ check: one(q.check), module: one(q.module), target: one(q.target) }, gone.signal);
    return reply.code(answer.status).type(answer.contentType).send(answer.body);
  });
};
