/** /api/releases: release marks from deploy pipelines (POST) and the history (GET), behind api.token. */
import type { FastifyPluginAsync } from 'fastify';
import { releaseMarkSchema, type ReleaseTracker } from '../release/marks.js';
import { bearerGuard } from './auth.js';
import { API_BODY_LIMIT, parseBody } from './body.js';

export interface ReleaseRoutesOptions {
  releases: () => ReleaseTracker | undefined;
  token: () => string | undefined;
}

export const releaseRoutes: FastifyPluginAsync<ReleaseRoutesOptions> = async (app, opts) => {
  app.addHook('onRequest', bearerGuard(opts.token, 'api.token'));
  app.get('/api/releases', async () => opts.releases()?.list() ?? []);

  app.post('/api/releases', { bodyLimit: API_BODY_LIMIT }, async (req, reply) => {
    const mark = parseBody(releaseMarkSchema, req.body, reply);
    if (!mark) return reply;
    const releases = opts.releases();
    if (!releases) return reply.code(503).send({ error: 'the monitor is starting' });
    return reply.code(200).send(releases.mark(mark));
  });
};
