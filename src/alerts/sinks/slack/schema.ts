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
 * The URL fields that are credentials: each is redacted whole, and each token-like segment of
 * it, wherever it would be printed. An incoming webhook's URL is its
 * credential (hooks.slack.com/services/T.../B.../<token>).
 */
export const slackCredentialUrls = ['url'] as const;
