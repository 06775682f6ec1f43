/**
 * /api/silences: create (POST), list (GET) and expire (DELETE /api/silences/:id)
 * silences, behind the api.token bearer token. Bodies as Alertmanager's v2 API
 * (matchers with name, value, isRegex, isEqual; startsAt, endsAt, comment, createdBy),
 * so amtool users find their way.
 */
import type { FastifyPluginAsync } from 'fastify';
import { silenceInputSchema, type Silences } from '../alerts/silences.js';
import { bearerGuard } from './auth.js';
import { API_BODY_LIMIT, parseBody } from './body.js';

export interface SilenceRoutesOptions {
  silences: () => Silences | undefined;
  token: () => string | undefined;
  persist: () => Promise<void>;
}

export const silenceRoutes: FastifyPluginAsync<SilenceRoutesOptions> = async (app, opts) => {
  app.addHook('onRequest', bearerGuard(opts.token, 'api.token'));
  app.get('/api/silences', async () => opts.silences()?.list() ?? []);

  app.post('/api/silences', { bodyLimit: API_BODY_LIMIT }, async (req, reply) => {
    const input = parseBody(silenceInputSchema, req.body, reply);
    if (!input) return reply;
    const silences = opts.silences();
    if (!silences) return reply.code(503).send({ error: 'alerting is not running' });
    let s;
    try {
      s = silences.add(input);
    } catch (e) {
      return reply.code(400).send({ error: (e as Error).message });
    }
    try {
      await opts.persist();
    } catch (e) {
      // Not on disk, so not acknowledged, and not in force either: the caller retries a silence that does not exist.
      silences.withdraw(s.id);
      return reply.code(503).send({ error: `the silence was not added: ${(e as Error).message}` });
    }
    return reply.code(200).send({ silenceID: s.id, silence: s });
  });

  app.delete<{ Params: { id: string } }>('/api/silences/:id', async (req, reply) => {
    const done = opts.silences()?.expire(req.params.id) ?? false;
    if (!done) return reply.code(404).send({ error: `no active or pending silence ${req.params.id}` });
    try {
      await opts.persist();
    } catch (e) {
      // Expired in memory (alerts are sent again now), but a restart would bring it back: say so.
      return reply.code(503).send({ error: `silence ${req.params.id} is expired until the monitor restarts, but not saved: ${(e as Error).message}` });
    }
    return reply.code(200).send({ expired: req.params.id });
  });
};
