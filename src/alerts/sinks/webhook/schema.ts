/** `kind: webhook`: the Alertmanager webhook payload to any URL, optionally signed. */
import { z } from 'zod';
import { headerMap, httpUrl, sinkCommon } from '../../../schema/fields.js';

export const webhookSinkSchema = z.strictObject({
  ...sinkCommon,
  kind: z.literal('webhook'),
  url: httpUrl,
  /** Shared secret for the X-Foglet-Signature header: sha256=HMAC-SHA256(secret, body), hex. */
  secret: z.string().min(8).optional(),
  headers: headerMap.default({}),
});

export type WebhookSinkConfig = z.output<typeof webhookSinkSchema>;

/**
 * The URL fields that are credentials: each is redacted whole, and each token-like segment of
 * it, wherever it would be printed. A receiver's URL often carries its
 * token (a Discord or Teams webhook, a bin's id).
 */
export const webhookCredentialUrls = ['url'] as const;
