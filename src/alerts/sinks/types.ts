/**
 * The one interface every sink sits behind (as Gatus's alert providers), the error
 * a delivery reports, the filter every sink shares, and the HTTP post they all use.
 */
import type { SinkConfig } from './schemas.js';
import type { Alert, AlertChange } from '../types.js';

export interface SinkContext {
  instance: string;
  /** Whether alerts carry the instance label (alerts.instance_label; off for an HA pair). */
  instanceLabel?: boolean;
  /** The monitor's own health, for sinks that vouch for it (heartbeat, the watchdog alert). */
  health?(): MonitorHealth;
  /** A heartbeat's outcome: counted, and a heartbeat failing for alerts.delivery.failing_after is FogletMonitorSinkFailing. */
  onBeat?(sink: string, ok: boolean, error?: string): void;
  /** The monitor's own URL, for links back (alerts.external_url). */
  externalUrl?: string;
  /** For work a sink does outside send() (Alertmanager's re-sends). */
  warn(obj: object, msg: string): void;
}

/** Whether the monitor works: its scheduler runs, its probes complete, its state is writable. */
export interface MonitorHealth {
  ok: boolean;
  /** Why not, in a few words each. */
  reasons: string[];
  /**
   * Starting, reloading or stopping on purpose: neither healthy nor failing. A heartbeat says
   * nothing then (a deploy or a reload must not page), the watchdog keeps firing.
   */
  settling?: boolean;
}

export interface Sink {
  readonly name: string;
  readonly kind: SinkConfig['kind'];
  /** Whether this sink takes the alert at all (severity, category, labels). */
  accepts(alert: Alert): boolean;
  /** Delivers one change; throws a DeliveryError when it was not delivered. */
  send(change: AlertChange): Promise<void>;
  /** Sinks with a life of their own (Alertmanager's re-sends) start and stop with the notifier. */
  start?(): void;
  /** After a restart or reload: the alerts firing now, which such a sink must keep alive. */
  resume?(firing: Alert[]): void;
  stop?(): void;
}

/** One sink kind: what the registry (sinks/index.ts) needs to build it; its schema is in schemas.ts. */
export interface SinkKindDescriptor<C extends SinkConfig> {
  kind: C['kind'];
  create(cfg: C, ctx: SinkContext): Sink;
}

/** The sinks that take alerts (all but the heartbeat), with the filter they share. */
export type AlertSinkConfig = Exclude<SinkConfig, { kind: 'heartbeat' }>;
type Filter = Pick<AlertSinkConfig, 'severities' | 'categories' | 'labels'>;

/** What every alert sink has: its config, its name, the shared filter. */
export abstract class FilteredSink<C extends AlertSinkConfig> {
  readonly name: string;

  constructor(protected readonly cfg: C, protected readonly ctx: SinkContext) {
    this.name = cfg.name;
  }

  accepts(alert: Alert): boolean {
    return acceptsAlert(this.cfg, alert);
  }
}

/** The monitor's /status page, for links back, when alerts.external_url is set. */
export function statusUrl(ctx: SinkContext): string | undefined {
  return ctx.externalUrl ? `${ctx.externalUrl.replace(/\/$/, '')}/status` : undefined;
}

/** Where it broke, in one word: the probed target, the log source, or the monitor. */
export function whereOf(alert: Alert): string | undefined {
  return alert.labels.target ?? alert.labels.log_source ?? alert.labels.instance;
}

/** Annotations as Alertmanager carries them (strings only): the alert's, plus its evidence as text. */
export function textAnnotations(alert: Alert): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(alert.annotations)) if (typeof v === 'string') out[k] = v;
  if (alert.evidence?.lines) out.evidence = alert.evidence.lines.join('\n');
  if (alert.evidence?.screen) out.screen = alert.evidence.screen;
  return out;
}

export function acceptsAlert(cfg: Filter, alert: Alert): boolean {
  if (cfg.severities && !cfg.severities.includes(alert.severity)) return false;
  if (cfg.categories && !cfg.categories.includes(alert.category)) return false;
  for (const [k, v] of Object.entries(cfg.labels ?? {})) if (alert.labels[k] !== v) return false;
  return true;
}
