/**
 * The alerting part of the daemon: the engine, the notifier and its sinks, their
 * state in the state file, their metrics, and the tick that drives repeats. Signals
 * come in redacted; a reload rebuilds the sinks and keeps every alert and every
 * queued notification.
 */
import type { Config } from '../config/schema.js';
import type { SinkConfig } from './sinks/schemas.js';
import type { Redactor } from '../config/redact.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Signal } from '../signals.js';
import { SECTIONS, type StateStore } from '../state.js';
import { AlertEngine, type Thresholds, type TrackedAlert } from './engine.js';
import { Notifier, type QueuedNotification, type SinkCounts } from './notifier.js';
import { Silences, type Silence } from './silences.js';
import { MaintenanceWindows } from './maintenance.js';
import { createSink } from './sinks/index.js';
import type { MonitorHealth, SinkContext } from './sinks/types.js';
import { changeId, type Alert, type AlertChange } from './types.js';

const TICK_MS = 5000;
const SINK_KEY = 'monitor:sink:';

/**
 * A failing sink as a signal. It is as severe as the most severe alert the sink carries:
 * a pager that cannot page is critical (and goes by the other sinks), a chat channel a warning.
 */
function sinkSignal(sink: SinkConfig, failing: boolean, why: string): Signal {
  return {
    source: 'monitor',
    key: `${SINK_KEY}${sink.name}`,
    ok: !failing,
    severity: !('severities' in sink) || !sink.severities || sink.severities.includes('critical') ? 'critical' : 'warning',
    category: 'monitor',
    reason: 'sink_failing',
    summary: failing ? `notifications to sink ${sink.name} (${sink.kind}) are not getting through: ${why}` : `sink ${sink.name} delivers again`,
    labels: { sink: sink.name },
    at: new Date().toISOString(),
  };
}

/**
 * What alerting needs of releases (release/window.ts provides it): whether an alert due to
 * fire waits for the deploy window, the release label, the incident an alert belongs to, and
 * when the window closes. An interface here, so that alerts/ imports nothing from release/.
 */
export interface DeployWindow {
  hold(cfg: Config['releases']): (signal: Pick<Signal, 'category' | 'reason'>, now: number) => number | undefined;
  labels(): Record<string, string>;
  incidentKey(now: number): string | undefined;
  endsAt(): number | undefined;
}

export interface AlertingDeps {
  state: StateStore;
  metrics: Metrics;
  logger: Logger;
  redactor(): Redactor | undefined;
  window: DeployWindow;
  /** Called with each firing before it is sent; may add annotations (the evidence bundle). */
  onFiring?(change: AlertChange): void;
  /** The monitor's own health, for the sinks that vouch for it (heartbeat, the watchdog alert). */
  health?(): MonitorHealth;
}

export class Alerting {
  private engine: AlertEngine;
  private notifier: Notifier;
  private ticker: NodeJS.Timeout | undefined;
  readonly silences: Silences;
  private maintenance: MaintenanceWindows;

  constructor(private config: Config, private readonly deps: AlertingDeps) {
    this.maintenance = new MaintenanceWindows(config.alerts.maintenance);
    this.silences = new Silences(deps.state.get<Silence[]>(SECTIONS.silences), (all) => {
      deps.state.set(SECTIONS.silences, all);
      // A new silence applies now, an expired one at once too: no need to wait for the tick.
      this.engine.tick();
      this.refreshMetrics();
    });
    this.engine = this.newEngine();
    this.engine.restore(deps.state.get<TrackedAlert[]>(SECTIONS.alerts));
    this.notifier = this.newNotifier();
  }

  start(): void {
    this.notifier.start(this.firing());
    this.refreshMetrics();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  /** A signal from a check or a log rule; a probe passes its check's thresholds. */
  observe(signal: Signal, thresholds?: Thresholds): void {
    const redactor = this.deps.redactor();
    this.engine.observe(redactor ? redactor.redactDeep(signal) : signal, thresholds);
    this.save();
  }

  /** News that is not a problem, to the sinks that take its severity; never tracked, never repeated. */
  notice(signal: Signal): void {
    const redactor = this.deps.redactor();
    const change = this.engine.notice(redactor ? redactor.redactDeep(signal) : signal);
    this.deps.logger.info({ notice: change.alert.key, summary: change.alert.annotations.summary }, 'notice');
    this.notifier.notify(change);
  }

  thresholdsFor(check: { failure_threshold?: number; success_threshold?: number }): Thresholds {
    return {
      failure: check.failure_threshold ?? this.config.alerts.failure_threshold,
      success: check.success_threshold ?? this.config.alerts.success_threshold,
    };
  }

  /** A new config: new sinks and settings, the same alerts and queue; alerts of removed checks go. */
  async reconfigure(config: Config): Promise<void> {
    await this.notifier.stop();
    const counts = this.notifier.counts();
    const saved = this.engine.save();
    this.config = config;
    this.maintenance = new MaintenanceWindows(config.alerts.maintenance);
    this.engine = this.newEngine();
    this.engine.restore(saved);
    // A check's alerts are `check:<name>` and, for app_metrics findings, `check:<name>:<finding>`.
    const checks = new Set(config.checks.map((c) => c.name));
    const sinks = new Set(config.alerts.sinks.map((c) => `${SINK_KEY}${c.name}`));
    this.engine.retain((key) => (!key.startsWith('check:') || checks.has(key.split(':')[1]!)) && (!key.startsWith(SINK_KEY) || sinks.has(key)));
    this.notifier = this.newNotifier(counts);
    this.notifier.start(this.firing());
    // Windows added, removed or changed apply now, and their gauge says so, not at the next tick.
    this.engine.tick();
    this.refreshMetrics();
    this.save();
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.notifier.stop();
    this.save();
  }

  status() {
    return {
      alerts: this.engine.list().map((t) => ({
        ...t.alert, silenced: t.silenced, timeline: t.timeline ?? [],
        ...(t.held ? { held_until: heldUntil(this.deps.window) } : {}),
        ...(t.heldCleared ? { held_cleared: true } : {}),
      })),
      sinks: this.notifier.status(),
      silences: this.silences.list().filter((x) => x.status.state !== 'expired'),
      maintenance: this.maintenance.status(Date.now()),
    };
  }

  /** Keys of the alerts not resolved (pending, held or firing) that start with `prefix`. */
  activeKeys(prefix: string): string[] {
    return this.engine.list().filter((t) => t.alert.state !== 'resolved' && t.alert.key.startsWith(prefix)).map((t) => t.alert.key);
  }

  /** Whether the alert with this key is not resolved (pending, held or firing). */
  isActive(key: string): boolean {
    return this.engine.list().some((t) => t.alert.key === key && t.alert.state !== 'resolved');
  }

  /** Alerts firing whose firing was sent: what a sink like Alertmanager must keep re-sending. */
  private firing(): Alert[] {
    return this.engine.list().filter((t) => t.alert.state === 'firing' && t.sentFiring).map((t) => t.alert);
  }

  private tick(): void {
    this.engine.tick();
    this.notifier.refreshGauges();
    this.refreshMetrics();
    this.save();
  }

  private onChange(change: AlertChange): void {
    const a = change.alert;
    const log = { alert: a.key, fingerprint: a.fingerprint, change_id: changeId(change), severity: a.severity, reason: a.annotations.reason, change: change.kind };
    if (change.kind === 'resolved') this.deps.logger.info(log, 'alert resolved');
    else this.deps.logger.warn(log, `alert ${change.kind}: ${a.annotations.summary}`);
    if (change.kind === 'firing') this.deps.onFiring?.(change);
    if (change.kind === 'resolved' && a.incident) {
      change.incidentOpen = this.engine.list().some((t) => t.alert.key !== a.key && t.alert.incident === a.incident && t.alert.state === 'firing' && t.sentFiring);
    }
    this.notifier.notify(change);
    this.refreshMetrics();
  }

  /** Alert gauges, and the deploy window's (it opens with a mark and closes with time: the tick keeps it true). */
  refreshMetrics(): void {
    const { metrics } = this.deps;
    metrics.deployWindow.set(this.deps.window.endsAt() !== undefined ? 1 : 0);
    metrics.maintenanceWindow.reset();
    for (const w of this.maintenance.openNow(Date.now())) metrics.maintenanceWindow.set({ window: w.name }, w.open ? 1 : 0);
    metrics.alerts.reset();
    metrics.alertState.reset();
    for (const state of ['pending', 'firing', 'resolved']) {
      for (const severity of ['critical', 'warning', 'info']) metrics.alerts.set({ state, severity }, 0);
    }
    for (const t of this.engine.list()) {
      const a = t.alert;
      metrics.alerts.inc({ state: a.state, severity: a.severity });
      if (a.state !== 'resolved') {
        metrics.alertState.set({ alertname: a.labels.alertname, key: a.key, severity: a.severity, category: a.category, alertstate: a.state }, 1);
      }
    }
  }

  private savedEngine: AlertEngine | undefined;
  private savedRevision = -1;

  /** Into the state file when the alert table changed (the tick would otherwise write it every 5 s). */
  private save(): void {
    if (this.savedEngine === this.engine && this.savedRevision === this.engine.revision) return;
    this.savedEngine = this.engine;
    this.savedRevision = this.engine.revision;
    this.deps.state.set(SECTIONS.alerts, this.engine.save());
  }

  private newEngine(): AlertEngine {
    return new AlertEngine({
      instance: this.config.instance,
      instanceLabel: this.config.alerts.instance_label,
      repeatIntervalMs: this.config.alerts.repeat_interval.ms,
      onChange: (c) => this.onChange(c),
      isSilenced: (labels, now) => this.silences.isSilenced(labels, now) || this.maintenance.covering(labels, now) !== undefined,
      holdUntil: this.deps.window.hold(this.config.releases),
      extraLabels: () => this.deps.window.labels(),
      incidentKey: (now) => this.deps.window.incidentKey(now),
    });
  }

  /** Since when each heartbeat sink's calls have all failed, and whether that was alerted. */
  private readonly beats = new Map<string, { failingSince?: number; alerted: boolean }>();

  /** A heartbeat's outcome: counted; calls failing for delivery.failing_after raise FogletMonitorSinkFailing (the others' way). */
  private onBeat(name: string, ok: boolean, error?: string): void {
    this.deps.metrics.heartbeats.inc({ sink: name, outcome: ok ? 'sent' : 'failed' });
    const cfg = this.config.alerts.sinks.find((c) => c.name === name);
    if (!cfg) return;
    const b = this.beats.get(name) ?? { alerted: false };
    this.beats.set(name, b);
    if (ok) {
      b.failingSince = undefined;
      if (b.alerted) { b.alerted = false; this.observe(sinkSignal(cfg, false, '')); }
      return;
    }
    const now = Date.now();
    b.failingSince ??= now;
    if (!b.alerted && now - b.failingSince >= this.config.alerts.delivery.failing_after.ms) {
      b.alerted = true;
      this.observe(sinkSignal(cfg, true, `heartbeat calls have failed for ${Math.round((now - b.failingSince) / 1000)}s: ${error ?? 'no answer'}`));
    }
  }

  private newNotifier(counts?: ReadonlyMap<string, SinkCounts>): Notifier {
    const { state, metrics, logger } = this.deps;
    const ctx: SinkContext = {
      instance: this.config.instance, instanceLabel: this.config.alerts.instance_label, externalUrl: this.config.alerts.external_url,
      warn: (o: object, m: string) => logger.warn(o, m), health: this.deps.health,
      onBeat: (name, ok, error) => this.onBeat(name, ok, error),
    };
    const d = this.config.alerts.delivery;
    return new Notifier({
      sinks: this.config.alerts.sinks.map((c) => createSink(c, ctx)),
      counts,
      delivery: { initialBackoffMs: d.initial_backoff.ms, maxBackoffMs: d.max_backoff.ms, maxAgeMs: d.max_age.ms, maxQueue: d.max_queue, failingAfterMs: d.failing_after.ms },
      onSinkHealth: (name, failing, why) => {
        const cfg = this.config.alerts.sinks.find((c) => c.name === name);
        if (cfg) this.observe(sinkSignal(cfg, failing, why));
      },
      store: {
        load: () => state.get<QueuedNotification[]>(SECTIONS.notificationQueue),
        save: (q) => state.set(SECTIONS.notificationQueue, q),
        persist: () => state.flush(),
      },
      metrics,
      logger,
    });
  }
}

/** When a held alert is looked at again: the deploy window's end. */
function heldUntil(window: DeployWindow): string | undefined {
  const end = window.endsAt();
  return end === undefined ? undefined : new Date(end).toISOString();
}
