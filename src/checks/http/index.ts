/** `kind: http`: Foglet's `GET /up`. Its status code and certificate are common details, recorded for every kind. */
import type { CheckKindDescriptor } from '../types.js';
import { createHttpProbe } from './probe.js';
import { httpCheckSchema, type HttpCheckConfig } from './schema.js';

export const httpCheck = {
  kind: 'http',
  schema: httpCheckSchema,
  phases: ['dns', 'connect', 'tls', 'processing', 'transfer'],
  reasons: ['timeout', 'dns_error', 'connect_refused', 'connect_error', 'tls_error', 'http_status', 'body_mismatch', 'protocol_error'],
  create: createHttpProbe,
} as const satisfies CheckKindDescriptor<HttpCheckConfig>;
