/**
 * `kind: alertmanager`: pushes to Alertmanager's `POST /api/v2/alerts`, as Prometheus
 * does. A pushed alert auto-resolves at its endsAt, so firing alerts are pushed with
 * endsAt a few resend intervals ahead and pushed again every `resend_interval`
 * (well inside Alertmanager's 5m resolve_timeout); if the monitor dies they resolve
 * on their own. A resolve is sent with its real endsAt, and sent again for
 * `resolve_resend_for` in case one push was lost. Alertmanager groups, dedups (by
 * labels, across monitors) and routes from there.
 *
 * With `urls`, every push goes to every member of the cluster (Alertmanager's documentation:
 * never load-balance between them; they de-duplicate by gossip): delivered when one accepts it,
 * and a member that did not is warned of and gets it again at the next re-send. With
 * `watchdog`, an always-firing FogletMonitorWatchdog rides along while the monitor is healthy.
 */
import type { AlertmanagerSinkConfig } from './schema.js';
import type { Alert, AlertChange } from '../../types.js';
import { DeliveryError, postJson } from '../../../http-post.js';
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
  private readonly endpoints: string[];
  private readonly startedAt: string;

  constructor(cfg: AlertmanagerSinkConfig, ctx: SinkContext, private readonly now: () => number = Date.now) {
    super(cfg, ctx);
    this.endpoints = (cfg.urls ?? [cfg.url!]).map((u) => `${u.replace(/\/$/, '')}/api/v2/alerts`);
    this.startedAt = new Date(now()).toISOString();
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
    if (this.cfg.watchdog) void this.resend();
  }

  /** The dead man's switch: always firing while the monitor is healthy; when it stops coming, the switch pages. */
  watchdog(): Alert | undefined {
    const health = this.ctx.health?.();
    if (!this.cfg.watchdog || (health && !health.ok && !health.settling)) return undefined;
    const labels: Record<string, string> = { alertname: 'FogletMonitorWatchdog', severity: 'none' };
    if (this.ctx.instanceLabel !== false) labels.instance = this.ctx.instance;
    return {
      fingerprint: '', key: 'watchdog', labels, severity: 'info', category: 'monitor', state: 'firing', activeAt: this.startedAt, startsAt: this.startedAt, seq: 0,
      annotations: { summary: 'foglet-monitor is alive. This alert always fires while the monitor is healthy: route it to a dead man\'s switch, which pages when it stops.', reason: 'watchdog' },
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Every held alert again: firing ones keep their endsAt ahead, recent resolves are repeated. */
  async resend(): Promise<void> {
    const now = this.now();
    for (const [fp, h] of this.held) if (h.resendUntil !== undefined && now > h.resendUntil) this.held.delete(fp);
    const watchdog = this.watchdog();
    if (this.held.size === 0 && !watchdog) return;
    try {
      await this.push([...this.held.values()].map((h) => h.alert).concat(watchdog ? [watchdog] : []));
    } catch (e) {
      this.ctx.warn({ sink: this.name, err: (e as Error).message }, 'alertmanager re-send failed; trying again at the next interval');
    }
  }

  /**
   * To every member at once; delivered as soon as one took it (they gossip it to the others), so
   * a member that hangs does not hold every notification for the sink's timeout. One that fails
   * is warned of when it does, and gets the alert again at the next re-send.
   */
  private async push(alerts: Alert[]): Promise<void> {
    const body = JSON.stringify(alerts.map((a) => this.postable(a)));
    if (this.endpoints.length === 1) return postJson(this.endpoints[0]!, body, {}, this.cfg.timeout.ms);
    const posts = this.endpoints.map((e) => postJson(e, body, {}, this.cfg.timeout.ms));
    let delivered = false;
    const early: Array<() => void> = [];
    posts.forEach((p, i) => p.catch((err: Error) => {
      const warn = () => this.ctx.warn({ sink: this.name, alertmanager: this.endpoints[i], err: err.message }, 'one Alertmanager of the cluster did not take the push; another did, and it gets it again at the next re-send');
      if (delivered) warn(); else early.push(warn); // said once it is known another took it
    }));
    try {
      await Promise.any(posts);
      delivered = true;
      for (const warn of early) warn();
    } catch (e) {
      const errors = (e as AggregateError).errors as Error[];
      const retryable = errors.some((err) => !(err instanceof DeliveryError) || err.retryable);
      throw new DeliveryError(`every Alertmanager refused or was unreachable: ${errors.map((err) => err.message).join('; ')}`, retryable);
    }
  }
}

export const alertmanagerSinkKind: SinkKindDescriptor<AlertmanagerSinkConfig> = {
  kind: 'alertmanager',
  create: (cfg, ctx) => new AlertmanagerSink(cfg, ctx),
};
