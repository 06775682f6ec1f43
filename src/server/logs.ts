/**
 * POST /api/logs: log lines from a shipper into an `http` log source. Bearer token
 * per source, compared in constant time; bounded body; text, JSON lines, or a JSON
 * array of records.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpSource } from '../logs/sources/http.js';
import { checkBearer } from './auth.js';

export interface LogIngest {
  /** The http source by name, or the only one when no name is given. */
  source(name?: string): HttpSource | undefined;
}

/** Largest body the route accepts at all; each source's own limit is checked after. */
const HARD_LIMIT = 64 * 1024 * 1024;

export const logsRoutes: FastifyPluginAsync<{ ingest: () => LogIngest | undefined }> = async (app, opts) => {
  // Every body as raw bytes, whatever its content type (this plugin's scope only).
  const sourceOf = (name: string | undefined) => opts.ingest()?.source(name);
  app.removeAllContentTypeParsers();
  // The source's max_body_bytes holds while the body streams (a chunked body declares no length): past it, 413 and the socket goes.
  app.addContentTypeParser('*', (req, payload, done) => {
    const limit = sourceOf((req.query as { source?: string }).source)?.cfg.max_body_bytes ?? HARD_LIMIT;
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (err: Error | null, body?: Buffer) => { if (!finished) { finished = true; done(err, body); } };
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(Object.assign(new Error(`body over ${limit} bytes`), { statusCode: 413 }));
        // The 413 goes out with Connection: close; what still comes is dropped until the socket goes (server/connections.ts).
        payload.removeAllListeners('data');
        payload.resume();
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => finish(null, Buffer.concat(chunks)));
    // A client that hangs up mid-body is its own failure, not the server's (no error line per aborted upload).
    payload.on('error', (e) => finish(Object.assign(e, { statusCode: 400 })));
  });
  // The source, the token and the declared length are checked before the body is read.
  const admit = async (req: FastifyRequest<{ Querystring: { source?: string } }>, reply: FastifyReply) => {
    const source = sourceOf(req.query.source);
    if (!source) {
      return reply.code(404).send({ error: req.query.source ? `no http log source named ${JSON.stringify(req.query.source)}` : 'no http log source configured (or several: name one with ?source=)' });
    }
    if (!checkBearer(req, reply, source.cfg.token, 'logs.sources[].token')) return reply;
    if (Number(req.headers['content-length']) > source.cfg.max_body_bytes) {
      return reply.code(413).header('connection', 'close').send({ error: `body over ${source.cfg.max_body_bytes} bytes` });
    }
  };
  app.post<{ Querystring: { source?: string } }>('/api/logs', { bodyLimit: HARD_LIMIT, onRequest: admit }, async (req, reply) => {
    const source = sourceOf(req.query.source);
    if (!source) return reply.code(503).send({ error: 'the log source went away (config reload)' });
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
