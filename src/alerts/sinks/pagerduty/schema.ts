/** `kind: pagerduty`: PagerDuty's Events API v2. */
import { z } from 'zod';
import { httpUrl, sinkCommon } from '../../../schema/fields.js';

export const pagerdutySinkSchema = z.strictObject({
  ...sinkCommon,
  kind: z.literal('pagerduty'),
  routing_key: z.string().min(8),
  url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
});

export type PagerDutySinkConfig = z.output<typeof pagerdutySinkSchema>;

/**
 * The URL fields that are credentials: each is redacted whole, and each token-like segment of
 * it, wherever it would be printed. The secret is `routing_key`, redacted
 * by its name; the Events API's URL is public.
 */
export const pagerdutyCredentialUrls = [] as const;
