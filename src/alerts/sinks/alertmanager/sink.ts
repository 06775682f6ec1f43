/**
 * `kind: alertmanager`: pushes to Alertmanager's `POST /api/v2/alerts`, as Prometheus
 * does. A pushed alert auto-resolves at its endsAt, so firing alerts are pushed with
 * endsAt a few resend intervals ahead and pushed again every `resend_interval`
 * (well inside Alertmanager's 5m resolve_timeout); if the monitor dies they resolve
 * on their own. A resolve is sent with its real endsAt, and sent again for
 * `resolve_resend_for` in case one push was lost. Alertmanager groups, dedups (by
 * labels, across monitors) and routes from there.
 */
import type { AlertmanagerSinkConfig } from './schema.js';
import type { Alert, AlertChange } from '../../types.js';
import { postJson } from '../../../http-post.js';
import { FilteredSink, statusUrl, textAnnotations, type Sink, type SinkContext, type SinkKindDescriptor } from '../types.js';

interface Held {
  alert: Alert;
  /** ms since the epoch until which a resolved alert is still re-sent. */
  resendUntil?: number;
}

export class AlertmanagerSink extends FilteredSink<AlertmanagerSinkConfig> implements Sink {
  readonly kind = 'alertmanager' as const;
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private readonly endpoint: string;

  constructor(cfg: AlertmanagerSinkConfig, ctx: SinkContext, private readonly now: () => number = Date.now) {
    super(cfg, ctx);
    this.endpoint = `${cfg.url.replace(/\/$/, '')}/api/v2/alerts`;
  }

  /** What Alertmanager gets for one alert now. */
  postable(alert: Alert): Record<string, unknown> {
    return {
      labels: alert.labels,
      annotations: textAnnotations(alert),
      startsAt: alert.startsAt ?? alert.activeAt,
      endsAt: alert.state === 'resolved' ? alert.endsAt : new Date(this.now() + 4 * this.cfg.resend_interval.ms).toISOString(),
      generatorURL: statusUrl(this.ctx),
    };
  }

  async send(change: AlertChange): Promise<void> {
    if (change.kind === 'notice') return; // Alertmanager holds alerts, not news
    const a = change.alert;
    this.held.set(a.fingerprint, a.state === 'resolved'
      ? { alert: a, resendUntil: this.now() + this.cfg.resolve_resend_for.ms }
      : { alert: a });
    await this.push([a]);
  }

  resume(firing: Alert[]): void {
    for (const a of firing) if (!this.held.has(a.fingerprint)) this.held.set(a.fingerprint, { alert: a });
  }

  start(): void {
    this.timer = setInterval(() => void this.resend(), this.cfg.resend_interval.ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Every held alert again: firing ones keep their endsAt ahead, recent resolves are repeated. */
  async resend(): Promise<void> {
    const now = this.now();
    for (const [fp, h] of this.held) if (h.resendUntil !== undefined && now > h.resendUntil) this.held.delete(fp);
    if (this.held.size === 0) return;
    try {
      await this.push([...this.held.values()].map((h) => h.alert));
    } catch (e) {
      this.ctx.warn({ sink: this.name, err: (e as Error).message }, 'alertmanager re-send failed; trying again at the next interval');
    }
  }

  private async push(alerts: Alert[]): Promise<void> {
    await postJson(this.endpoint, JSON.stringify(alerts.map((a) => this.postable(a))), {}, this.cfg.timeout.ms);
  }
}

export const alertmanagerSinkKind: SinkKindDescriptor<AlertmanagerSinkConfig> = {
  kind: 'alertmanager',
  create: (cfg, ctx) => new AlertmanagerSink(cfg, ctx),
};
