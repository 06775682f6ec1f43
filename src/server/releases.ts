/** /api/releases: release marks from deploy pipelines (POST) and the history (GET), behind api.token. */
import type { FastifyPluginAsync } from 'fastify';
import { releaseMarkSchema, type ReleaseTracker } from '../release/marks.js';
import { checkBearer } from './auth.js';
import { API_BODY_LIMIT, parseBody } from './body.js';

export interface ReleaseRoutesOptions {
  releases: () => ReleaseTracker | undefined;
  token: () => string | undefined;
}

export const releaseRoutes: FastifyPluginAsync<ReleaseRoutesOptions> = async (app, opts) => {
  // Before the body is read: a caller without the token gets nothing parsed.
  app.addHook('onRequest', async (req, reply) => {
    if (!checkBearer(req, reply, opts.token(), 'api.token')) return reply;
  });
  app.get('/api/releases', async () => opts.releases()?.list() ?? []);

  app.post('/api/releases', { bodyLimit: API_BODY_LIMIT }, async (req, reply) => {
    const mark = parseBody(releaseMarkSchema, req.body, reply);
    if (!mark) return reply;
    const releases = opts.releases();
    if (!releases) return reply.code(503).send({ error: 'the monitor is starting' });
    return reply.code(200).send(releases.mark(mark));
  });
};
