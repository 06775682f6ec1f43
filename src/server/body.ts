/** A JSON body checked against a schema, or a 400 that names each bad field as the config errors do. */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { formatPath } from '../config/load.js';

/** The JSON APIs take small documents: a silence, a release mark. */
export const API_BODY_LIMIT = 64 * 1024;

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, reply: FastifyReply): z.output<S> | undefined {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  void reply.code(400).send({ error: parsed.error.issues.map((i) => `${formatPath(i.path) || 'body'}: ${i.message}`).join('; ') });
  return undefined;
}
