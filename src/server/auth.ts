/** Bearer tokens for the monitor's write API, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

export function tokenMatches(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when the request carries the token; otherwise answers 401 (or 403 when no token is configured) and returns false. */
export function checkBearer(req: FastifyRequest, reply: FastifyReply, expected: string | undefined, setting: string): boolean {
  if (!expected) {
    // Connection: close: the body that may follow is not read, the socket goes.
    void reply.code(403).header('connection', 'close').send({ error: `this API is off: set ${setting} in the config to use it` });
    return false;
  }
  const auth = req.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  if (token && tokenMatches(token, expected)) return true;
  void reply.code(401).header('www-authenticate', 'Bearer').header('connection', 'close').send({ error: 'missing or wrong bearer token' });
  return false;
}

/**
 * An onRequest hook that lets only bearers of the token through: it runs before the
 * body is read, so a caller without the token gets nothing parsed.
 */
export function bearerGuard(expected: () => string | undefined, setting: string): onRequestAsyncHookHandler {
  return async (req, reply) => {
    if (!checkBearer(req, reply, expected(), setting)) return reply;
  };
}
