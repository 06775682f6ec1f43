/**
 * Which sinks' URLs are credentials, beside the sinks' schemas and apart from them: the
 * redactor needs this table, and loading it must not load the whole config schema.
 */
import type { SinkConfig } from './schema.js';

/**
 * Whether a sink kind's `url` is itself a credential (its token in the path): then the whole URL,
 * and each token-like segment of it, is redacted wherever it would be printed. Every kind says
 * which, next to its schema: a new kind without an entry does not compile. PagerDuty's secret is
 * its routing_key (redacted by its name), Alertmanager has none.
 */
export const SINK_URL_IS_CREDENTIAL = {
  webhook: true,
  slack: true,
  pagerduty: false,
  alertmanager: false,
} as const satisfies Record<SinkConfig['kind'], boolean>;
