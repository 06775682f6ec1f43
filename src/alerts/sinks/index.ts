/** A sink for each configured kind; each lives in its own file. */
import type { SinkConfig } from '../../config/schema.js';
import { AlertmanagerSink } from './alertmanager.js';
import { PagerDutySink } from './pagerduty.js';
import { SlackSink } from './slack.js';
import type { Sink, SinkContext } from './types.js';
import { WebhookSink } from './webhook.js';

export function createSink(cfg: SinkConfig, ctx: SinkContext): Sink {
  switch (cfg.kind) {
    case 'webhook': return new WebhookSink(cfg, ctx);
    case 'slack': return new SlackSink(cfg, ctx);
    case 'pagerduty': return new PagerDutySink(cfg, ctx);
    case 'alertmanager': return new AlertmanagerSink(cfg, ctx);
  }
}
