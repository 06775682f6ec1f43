/**
 * `kind: webhook`: the Alertmanager webhook payload (version "4"), one alert per
 * request, so receivers written for Alertmanager work unchanged. With `secret`, an
 * `X-Foglet-Signature: sha256=<hex HMAC-SHA256 of the body>` header; always an
 * `Idempotency-Key` (the change's own identity, changeId) so a receiver can drop
 * a retried duplicate and never mistakes one change for another.
 */
import { createHmac } from 'node:crypto';
import type { WebhookSinkConfig } from './schema.js';
import { changeId, type Alert, type AlertChange } from '../../types.js';
import { postJson } from '../../../http-post.js';
import { FilteredSink, statusUrl, textAnnotations, type Sink, type SinkContext, type SinkKindDescriptor } from '../types.js';

/** Alertmanager's "zero" time, which it sends as endsAt for a firing alert. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export function alertmanagerAlert(alert: Alert, ctx: SinkContext): Record<string, unknown> {
  const resolved = alert.state === 'resolved';
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: alert.labels,
    annotations: textAnnotations(alert),
    startsAt: alert.startsAt ?? alert.activeAt,
    endsAt: resolved ? alert.endsAt : ZERO_TIME,
    generatorURL: statusUrl(ctx) ?? '',
    fingerprint: alert.fingerprint,
  };
}

export function webhookPayload(change: AlertChange, receiver: string, ctx: SinkContext): Record<string, unknown> {
  const a = alertmanagerAlert(change.alert, ctx);
  return {
    version: '4',
    groupKey: `{}:{alertname="${change.alert.labels.alertname}", fingerprint="${change.alert.fingerprint}"}`,
    truncatedAlerts: 0,
    status: a.status,
    receiver,
    groupLabels: { alertname: change.alert.labels.alertname },
    commonLabels: change.alert.labels,
    commonAnnotations: a.annotations,
    externalURL: ctx.externalUrl ?? '',
    alerts: [a],
    // Not in Alertmanager's payload; receivers ignore what they do not know.
    change: change.kind,
  };
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSink extends FilteredSink<WebhookSinkConfig> implements Sink {
  readonly kind = 'webhook' as const;
  async send(change: AlertChange): Promise<void> {
    const body = JSON.stringify(webhookPayload(change, this.name, this.ctx));
    const headers: Record<string, string> = { ...this.cfg.headers, 'idempotency-key': changeId(change) };
    if (this.cfg.secret) headers['x-foglet-signature'] = signature(this.cfg.secret, body);
    await postJson(this.cfg.url, body, headers, this.cfg.timeout.ms);
  }
}

export const webhookSinkKind: SinkKindDescriptor<WebhookSinkConfig> = {
  kind: 'webhook',
  create: (cfg, ctx) => new WebhookSink(cfg, ctx),
};
