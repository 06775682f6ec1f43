/** `kind: slack`: a Slack incoming webhook. */
import { z } from 'zod';
import { httpUrl, sinkCommon } from '../../../schema/fields.js';

export const slackSinkSchema = z.strictObject({
  ...sinkCommon,
  kind: z.literal('slack'),
  url: httpUrl,
});

export type SlackSinkConfig = z.output<typeof slackSinkSchema>;

/**
 * Whether this kind's `url` is itself a credential: then the whole URL, and each token-like
 * segment of it, is redacted wherever it would be printed. An incoming webhook's URL is its
 * credential (hooks.slack.com/services/T.../B.../<token>).
 */
export const slackUrlIsCredential = true;
