/**
 * POST /api/logs: log lines from a shipper into an `http` log source. Bearer token
 * per source, compared in constant time; bounded body; text, JSON lines, or a JSON
 * array of records.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { HttpSource } from '../logs/sources/http.js';

export interface LogIngest {
  /** The http source by name, or the only one when no name is given. */
  source(name?: string): HttpSource | undefined;
}

/** Largest body the route accepts at all; each source's own limit is checked after. */
const HARD_LIMIT = 64 * 1024 * 1024;

export function tokenMatches(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export const logsRoutes: FastifyPluginAsync<{ ingest: () => LogIngest | undefined }> = async (app, opts) => {
  // Every body as raw bytes, whatever its content type (this plugin's scope only).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HARD_LIMIT }, (_req, body, done) => done(null, body));
  app.post<{ Querystring: { source?: string } }>('/api/logs', { bodyLimit: HARD_LIMIT }, async (req, reply) => {
    const source = opts.ingest()?.source(req.query.source);
    if (!source) {
      return reply.code(404).send({ error: req.query.source ? `no http log source named ${JSON.stringify(req.query.source)}` : 'no http log source configured (or several: name one with ?source=)' });
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!token || !tokenMatches(token, source.cfg.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token' });
    }
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0) return reply.code(400).send({ error: 'empty body' });
    if (body.length > source.cfg.max_body_bytes) {
      return reply.code(413).send({ error: `body over ${source.cfg.max_body_bytes} bytes` });
    }
    try {
      const lines = source.ingest(body);
      return reply.code(202).send({ accepted: lines });
    } catch (e) {
      return reply.code(400).send({ error: (e as Error).message });
    }
  });
};
