/** /healthz: the monitor's process answers. /readyz: config loaded and scheduler running. */
import type { FastifyPluginAsync } from 'fastify';

export interface Readiness {
  ready: boolean;
  /** Why it is not ready, for a human reading the 503. */
  reasons: string[];
}

export const healthRoutes: FastifyPluginAsync<{ readiness: () => Readiness }> = async (app, opts) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = opts.readiness();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', reasons: r.reasons });
  });
};
