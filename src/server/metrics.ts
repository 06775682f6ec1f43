/** /metrics: the Prometheus exposition of the monitor's one registry. */
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';

export const metricsRoutes: FastifyPluginAsync<{ metrics: () => Metrics }> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await opts.metrics().exposition();
    return reply.type(contentType).send(body);
  });
};
