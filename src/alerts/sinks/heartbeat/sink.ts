/**
 * `kind: heartbeat`: every `interval`, asks the monitor whether it is healthy (its scheduler
 * runs, its probes complete, its state is writable) and calls `url` if so, `fail_url` (when
 * set) if not. A failed call is logged and not retried: the next beat comes soon, and a missed
 * one is exactly what the service is there to notice. Each outcome is counted
 * (foglet_monitor_heartbeats_total), and calls failing for alerts.delivery.failing_after raise
 * FogletMonitorSinkFailing through the other sinks: a mistyped ping URL is no silent switch.
 * While the monitor starts, reloads or stops on purpose it says nothing at all.
 */
import { sendRequest } from '../../../http-post.js';
import type { Alert, AlertChange } from '../../types.js';
import type { MonitorHealth, Sink, SinkContext, SinkKindDescriptor } from '../types.js';
import { heartbeatTimeoutMs, type HeartbeatSinkConfig } from './schema.js';

export class HeartbeatSink implements Sink {
  readonly kind = 'heartbeat' as const;
  readonly name: string;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** The last beat's outcome, for tests and the log: `up`, `down` (fail_url called), `silent`, `failed`. */
  last: { at: number; outcome: 'up' | 'down' | 'silent' | 'failed'; reasons: string[] } | undefined;

  constructor(private readonly cfg: HeartbeatSinkConfig, private readonly ctx: SinkContext, private readonly now: () => number = Date.now) {
    this.name = cfg.name;
  }

  /** A heartbeat takes no alerts: it says the monitor is alive, nothing else. */
  accepts(_alert: Alert): boolean { return false; }

  async send(_change: AlertChange): Promise<void> {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.cfg.interval.ms);
    this.timer.unref();
    void this.beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    this.timer = undefined;
    this.retry = undefined;
  }

  /** One beat: up while healthy; down (or nothing) while not. */
  async beat(): Promise<void> {
    const health: MonitorHealth = this.ctx.health?.() ?? { ok: true, reasons: [] };
    if (health.settling) {
      // Starting, reloading, stopping: no beat, and no failure either. Look again in a second,
      // so that the first beat follows the start at once, not an interval later.
      if (!this.retry && this.timer) {
        this.retry = setTimeout(() => { this.retry = undefined; void this.beat(); }, 1000);
        this.retry.unref();
      }
      return;
    }
    const url = health.ok ? this.cfg.url : this.cfg.fail_url;
    if (!url) {
      if (this.last?.outcome !== 'silent') this.ctx.warn({ sink: this.name, reasons: health.reasons }, 'monitor unhealthy: heartbeat withheld, so the dead man\'s switch will page');
      this.last = { at: this.now(), outcome: 'silent', reasons: health.reasons };
      return;
    }
    const body = this.cfg.method === 'POST'
      ? JSON.stringify({ status: health.ok ? 'up' : 'down', instance: this.ctx.instance, reasons: health.reasons })
      : undefined;
    try {
      await sendRequest(url, {
        method: this.cfg.method, body, timeoutMs: heartbeatTimeoutMs(this.cfg),
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...this.cfg.headers },
      });
      this.last = { at: this.now(), outcome: health.ok ? 'up' : 'down', reasons: health.reasons };
      this.ctx.onBeat?.(this.name, true);
    } catch (e) {
      this.last = { at: this.now(), outcome: 'failed', reasons: health.reasons };
      this.ctx.warn({ sink: this.name, err: (e as Error).message }, 'heartbeat call failed; trying again at the next beat');
      this.ctx.onBeat?.(this.name, false, (e as Error).message);
    }
  }
}

export const heartbeatSinkKind: SinkKindDescriptor<HeartbeatSinkConfig> = {
  kind: 'heartbeat',
  create: (cfg, ctx) => new HeartbeatSink(cfg, ctx),
};
