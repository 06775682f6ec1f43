/**
 * `kind: pagerduty`: Events API v2. `dedup_key` is the alert's fingerprint, so a
 * repeat or a reason change updates the incident instead of paging again, and the
 * resolve closes it; alerts that began in one release share `release:<version>`,
 * one incident, resolved when the last of them resolves. 202 is success; 400 is
 * dropped; 429 and 5xx are retried.
 */
import type { PagerDutySinkConfig } from './schema.js';
import { changeId, type AlertChange } from '../../types.js';
import { postJson } from '../../../http-post.js';
import { FilteredSink, statusUrl, whereOf, type Sink, type SinkContext, type SinkKindDescriptor } from '../types.js';

export function pagerdutyEvent(change: AlertChange, routingKey: string, ctx: SinkContext): Record<string, unknown> {
  const a = change.alert;
  const dedupKey = a.incident ?? a.fingerprint;
  if (change.kind === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: a.annotations.summary.slice(0, 1024),
      // Required by the Events API: an alert with no target or source (a sink failing, with
      // alerts.instance_label off) names the monitor that sends it.
      source: whereOf(a) ?? ctx.instance,
      severity: a.severity === 'info' ? 'info' : a.severity,
      timestamp: a.startsAt ?? a.activeAt,
      component: a.labels.check ?? a.labels.log_source,
      group: a.labels.instance,
      class: a.category,
      custom_details: {
        reason: a.annotations.reason,
        change_id: changeId(change),
        alert: a.labels.alertname,
        ...(a.annotations.evidence_bundle ? { evidence_bundle: a.annotations.evidence_bundle } : {}),
        labels: a.labels,
        ...(a.annotations.runbook ? { runbook: a.annotations.runbook } : {}),
        ...(a.evidence?.screen ? { screen: a.evidence.screen } : {}),
        ...(a.evidence?.lines ? { log_lines: a.evidence.lines.join('\n') } : {}),
      },
    },
    ...(statusUrl(ctx) ? { links: [{ href: statusUrl(ctx), text: 'foglet-monitor status' }] } : {}),
  };
}

export class PagerDutySink extends FilteredSink<PagerDutySinkConfig> implements Sink {
  readonly kind = 'pagerduty' as const;
  async send(change: AlertChange): Promise<void> {
    if (change.kind === 'resolved' && change.incidentOpen) return; // the release's incident stays open for the others
    if (change.kind === 'notice') return; // not an incident: release marks reach PagerDuty as change events
    await postJson(this.cfg.url, JSON.stringify(pagerdutyEvent(change, this.cfg.routing_key, this.ctx)), {}, this.cfg.timeout.ms);
  }
}

export const pagerdutySinkKind: SinkKindDescriptor<PagerDutySinkConfig> = {
  kind: 'pagerduty',
  create: (cfg, ctx) => new PagerDutySink(cfg, ctx),
};
