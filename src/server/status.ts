/** /status: every check's last result as JSON. The provider hands over a redacted document. */
import type { FastifyPluginAsync } from 'fastify';

export const statusRoutes: FastifyPluginAsync<{ status: () => unknown }> = async (app, opts) => {
  app.get('/status', async (_req, reply) => reply.header('cache-control', 'no-store').send(opts.status()));
};
