/** `kind: http`: Foglet's `GET /up` (or any HTTP page), its status, body and certificate. */
import { z } from 'zod';
import { checkCommon, degradedAfter, degradedBelowTimeout, headerMap, httpUrl, userRegex } from '../../schema/fields.js';

export const httpCheckSchema = z.strictObject({
  ...checkCommon,
  kind: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD']).default('GET'),
  headers: headerMap.default({}),
  follow_redirects: z.boolean().default(false),
  /** The body is read up to this many bytes; an endless body cannot hold the probe. */
  max_body_bytes: z.number().int().min(0).max(64 * 1024 * 1024).default(1024 * 1024),
  expect: z.strictObject({
    status: z.array(z.number().int().min(100).max(599)).min(1).default([200]),
    body: userRegex.optional(),
  }).prefault({}),
  tls: z.strictObject({
    /** A PEM file of CAs to trust in addition to the system's (for a private or self-signed CA). */
    ca_file: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    server_name: z.string().optional(),
  }).prefault({}),
  degraded_after: degradedAfter(['dns', 'connect', 'tls', 'processing', 'transfer'] as const),
}).superRefine(degradedBelowTimeout);

export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
