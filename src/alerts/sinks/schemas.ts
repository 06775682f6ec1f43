/**
 * The sink kinds' config schemas and their secret rules, for the config loader and the
 * redactor: only the schemas, so that neither loads a sink's code. sinks/index.ts lists the
 * kinds themselves; a test holds both lists to the same kinds.
 */
import { z } from 'zod';
import { kindUnion } from '../../schema/fields.js';
import { heartbeatCredentialUrls, heartbeatSinkSchema } from './heartbeat/schema.js';
import { alertmanagerSinkSchema, alertmanagerCredentialUrls } from './alertmanager/schema.js';
import { pagerdutySinkSchema, pagerdutyCredentialUrls } from './pagerduty/schema.js';
import { slackSinkSchema, slackCredentialUrls } from './slack/schema.js';
import { webhookSinkSchema, webhookCredentialUrls } from './webhook/schema.js';

export const SINK_SCHEMAS = [webhookSinkSchema, slackSinkSchema, pagerdutySinkSchema, alertmanagerSinkSchema, heartbeatSinkSchema] as const;

/** The config schema of a sink, chosen by its `kind`. */
export const sinkSchema = kindUnion(SINK_SCHEMAS);

/** A sink's config, whichever kind it is. */
export type SinkConfig = z.output<typeof sinkSchema>;
export type SinkKind = SinkConfig['kind'];
export type { WebhookSinkConfig } from './webhook/schema.js';
export type { SlackSinkConfig } from './slack/schema.js';
export type { PagerDutySinkConfig } from './pagerduty/schema.js';
export type { AlertmanagerSinkConfig } from './alertmanager/schema.js';
export type { HeartbeatSinkConfig } from './heartbeat/schema.js';

/**
 * Which of each kind's URL fields are credentials, each kind's own rule (its schema.ts says
 * why): a kind without an entry does not compile.
 */
export const SINK_CREDENTIAL_URLS = {
  webhook: webhookCredentialUrls,
  slack: slackCredentialUrls,
  pagerduty: pagerdutyCredentialUrls,
  alertmanager: alertmanagerCredentialUrls,
  heartbeat: heartbeatCredentialUrls,
} as const satisfies Record<SinkKind, readonly string[]>;
