/** /api/releases: release marks from deploy pipelines (POST) and the history (GET), behind api.token. */
import type { FastifyPluginAsync } from 'fastify';
import { releaseMarkSchema, type ReleaseTracker } from '../release/marks.js';
import { bearerGuard } from './auth.js';
import { API_BODY_LIMIT, parseBody } from './body.js';

export interface ReleaseRoutesOptions {
  releases: () => ReleaseTracker | undefined;
  token: () => string | undefined;
  persist: () => Promise<void>;
}

export const releaseRoutes: FastifyPluginAsync<ReleaseRoutesOptions> = async (app, opts) => {
  app.addHook('onRequest', bearerGuard(opts.token, 'api.token'));
  app.get('/api/releases', async () => opts.releases()?.list() ?? []);

  app.post('/api/releases', { bodyLimit: API_BODY_LIMIT }, async (req, reply) => {
    const mark = parseBody(releaseMarkSchema, req.body, reply);
    if (!mark) return reply;
    const releases = opts.releases();
    if (!releases) return reply.code(503).send({ error: 'the monitor is starting' });
    const release = releases.mark(mark);
    try {
      await opts.persist();
    } catch (e) {
      // The deploy is happening whatever the disk says, so the mark applies; marks may be sent again.
      return reply.code(503).send({ error: `the ${mark.status} mark of ${mark.version} applies until the monitor restarts, but is not saved: ${(e as Error).message}` });
    }
    return reply.code(200).send(release);
  });
};
