/**
 * The sink kinds, one folder each (its schema.ts and sink.ts), and the one way to build a
 * sink from its config. A new kind is a folder, a line here and a line in schemas.ts.
 */
import { alertmanagerSinkKind } from './alertmanager/sink.js';
import { heartbeatSinkKind } from './heartbeat/sink.js';
import { pagerdutySinkKind } from './pagerduty/sink.js';
import type { SinkConfig, SinkKind } from './schemas.js';
import { slackSinkKind } from './slack/sink.js';
import type { Sink, SinkContext, SinkKindDescriptor } from './types.js';
import { webhookSinkKind } from './webhook/sink.js';

/** Every kind, by its name: a kind without a descriptor does not compile. */
export const SINK_KINDS: { [K in SinkKind]: SinkKindDescriptor<Extract<SinkConfig, { kind: K }>> } = {
  webhook: webhookSinkKind,
  slack: slackSinkKind,
  pagerduty: pagerdutySinkKind,
  alertmanager: alertmanagerSinkKind,
  heartbeat: heartbeatSinkKind,
};

export function createSink(cfg: SinkConfig, ctx: SinkContext): Sink {
  return (SINK_KINDS[cfg.kind] as SinkKindDescriptor<SinkConfig>).create(cfg, ctx);
}
