/** /probe: one probe run on demand, answered as metrics (checks/on-demand.ts); 404 while probe_endpoint is off. */
import type { FastifyPluginAsync } from 'fastify';
import type { OnDemandProbes } from '../checks/on-demand.js';

export const probeRoutes: FastifyPluginAsync<{ probes: () => OnDemandProbes }> = async (app, opts) => {
  app.get<{ Querystring: { check?: string; module?: string; target?: string } }>('/probe', async (req, reply) => {
    const q = req.query;
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const answer = await opts.probes().probe({ check: one(q.check), module: one(q.module), target: one(q.target) });
    return reply.code(answer.status).type(answer.contentType).send(answer.body);
  });
};
