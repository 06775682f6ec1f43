/**
 * Wires the parts together and owns start, reload and stop. Parts talk through the
 * small types they export (ProbeResult, Metrics, Readiness); nothing here reaches
 * into a part's internals.
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfigFile, ConfigError } from './config/load.js';
import { Redactor } from './config/redact.js';
import type { AppMetricsCheckConfig, CheckConfig, Config } from './config/schema.js';
import { createProbe } from './checks/index.js';
import type { ProbeResult } from './checks/types.js';
import { CheckResults } from './checks/results.js';
import { createLogger, RedactorRef, type Logger, type LogFormat } from './log.js';
import { Metrics } from './metrics.js';
import { Scheduler } from './scheduler.js';
import { buildServer, parseListen } from './server.js';
import { SECTIONS, StateStore, stateMap, type KeyedStore } from './state.js';
import type { HostKeyPins, PinnedKey } from './checks/ssh-hostkey.js';
import { Alerting } from './alerts/alerting.js';
import { ReleaseTracker, type Release } from './release/marks.js';
import { ReleaseController } from './release/controller.js';
import { deployWindow } from './release/window.js';
import { EvidenceWriter } from './release/evidence.js';
import { tighterSchedule } from './release/rate-limit.js';
import { probeSignal, slowSignal } from './checks/signal.js';
import { appMetricsSignals } from './checks/app-metrics.js';
import type { ScrapeMemory } from './checks/foglet-metrics.js';
import { LogWatcher } from './logs/watcher.js';
import { packChecks } from './logs/packs.js';
import { pipelineSetup, type PipelineSetup } from './logs/setup.js';
import type { PipelineMemory } from './logs/pipeline.js';
import type { FileOffset, OffsetStore } from './logs/sources/file.js';
import { connectionCap, descriptorReserve, openFilesLimit } from './server/connections.js';
import type { AlertChange } from './alerts/types.js';
import { VERSION } from './version.js';

export interface DaemonOptions {
  /** The config file; re-read on reload. */
  configPath?: string;
  /** A config built in code (the demo); used when there is no file. */
  config?: Config;
  logFormat?: LogFormat;
  logLevel?: string;
  logDestination?: NodeJS.WritableStream;
  /** Overrides `listen` from the config (the demo and tests pick their ports). */
  listen?: string;
}

export class Daemon {
  readonly logger: Logger;
  readonly metrics = new Metrics();
  private readonly redactorRef: RedactorRef;
  private config: Config;
  private scheduler: Scheduler | undefined;
  private server: FastifyInstance | undefined;
  private state: StateStore;
  private readonly pins: HostKeyPins;
  private readonly offsets: OffsetStore;
  private readonly logMemory: KeyedStore<PipelineMemory>;
  /** app_metrics checks' previous scrapes and restarts: kept across reloads, not across restarts. */
  private readonly scrapeMemory = new Map<string, ScrapeMemory>();
  private watcher: LogWatcher | undefined;
  private alerting: Alerting | undefined;
  private releases: ReleaseTracker | undefined;
  private readonly release: ReleaseController;
  private readonly results = new CheckResults();
  private readonly startedAt = new Date();
  private stopping = false;
  /** Set when a failed reload could not restart the running config either: /healthz says so. */
  private broken: string | undefined;
  /** What each check probes, as its probe shows it (no credentials). */
  private targets = new Map<string, string>();

  private constructor(private readonly opts: DaemonOptions, config: Config) {
    this.config = config;
    this.redactorRef = new RedactorRef(Redactor.fromConfig(config));
    this.logger = createLogger({
      level: opts.logLevel ?? config.log.level,
      format: opts.logFormat ?? config.log.format,
      destination: opts.logDestination,
    }, this.redactorRef);
    this.state = new StateStore(path.resolve(this.baseDir, config.state_file), this.logger, {
      onWrite: (ok) => {
        this.metrics.stateWritable.set(ok ? 1 : 0);
        if (!ok) this.metrics.stateWriteFailures.inc();
      },
    });
    this.pins = stateMap<PinnedKey>(this.state, SECTIONS.hostKeyPins);
    this.offsets = stateMap<FileOffset>(this.state, SECTIONS.logOffsets);
    this.logMemory = stateMap<PipelineMemory>(this.state, SECTIONS.logRules);
    this.release = new ReleaseController({
      config: () => this.config, releases: () => this.releases, state: this.state, metrics: this.metrics, logger: this.logger,
      observe: (signal) => this.alerting?.observe(signal),
      notice: (signal) => this.alerting?.notice(signal),
      refreshAlertMetrics: () => this.alerting?.refreshMetrics(),
      reschedule: (watching) => void this.setWatchSchedule(watching),
    });
  }

  /** Loads the config (a ConfigError goes to the caller), then starts every part. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const config = opts.config ?? await loadConfigFile(opts.configPath!, process.env, packChecks);
    const daemon = new Daemon(opts, config);
    await daemon.startParts();
    return daemon;
  }

  private get baseDir(): string {
    return this.opts.configPath ? path.dirname(path.resolve(this.opts.configPath)) : process.cwd();
  }

  private async startParts(): Promise<void> {
    await this.state.load();
    this.restoreResults();
    this.metrics.configLoaded.setToCurrentTime();
    this.releases = new ReleaseTracker(this.state.get<Release[]>(SECTIONS.releases), () => ({
      graceMs: this.config.releases.grace.ms, maxWindowMs: this.config.releases.max_window.ms, watchForMs: this.config.releases.watch_for.ms,
    }), (all, marked) => this.release.onReleases(all, true, marked));
    this.release.onReleases(this.releases.list().reverse(), false);
    this.alerting = new Alerting(this.config, {
      state: this.state, metrics: this.metrics, logger: this.logger, redactor: () => this.redactorRef.current,
      window: deployWindow(this.releases),
      onFiring: (change) => this.writeEvidence(change),
    });
    this.alerting.start();
    this.startScheduler(this.config.checks);
    await this.startWatcher();
    this.server = await buildServer({
      logger: this.logger,
      metrics: () => this.metrics,
      readiness: () => this.readiness(),
      status: () => this.status(),
      logIngest: () => (this.watcher ? { source: (name) => this.watcher?.httpSource(name) } : undefined),
      silences: () => this.alerting?.silences,
      releases: () => this.releases,
      apiToken: () => this.config.api.token,
      persist: () => this.state.persist(),
      maxConnections: this.connectionCap(),
    });
    const { host, port } = parseListen(this.opts.listen ?? this.config.listen);
    await this.server.listen({ host, port });
    this.logger.info({ listen: this.address, checks: this.config.checks.map((c) => c.name), version: VERSION },
      'foglet-monitor started');
  }

  /** max_connections, lowered (and said) when the open-files limit cannot hold it beside what probes, logs and sinks need. */
  private connectionCap(): number {
    const limit = openFilesLimit();
    const reserve = descriptorReserve({
      checks: this.config.checks.length, sources: this.config.logs.sources.length, sinks: this.config.alerts.sinks.length,
    });
    const { cap, lowered } = connectionCap(this.config.max_connections, limit, reserve);
    if (lowered) {
      this.logger.warn({ max_connections: this.config.max_connections, open_files_limit: limit, reserved: reserve, connections: cap },
        'max_connections lowered: the open-files limit must also hold the probes, log files, state and alert sinks (raise it with ulimit -n or LimitNOFILE)');
    }
    return cap;
  }

  private startScheduler(checks: CheckConfig[], runAtStart = true): void {
    this.metrics.setChecks(checks);
    this.results.configure(checks.map((c) => c.name));
    const scheduled = checks.map((config) => ({ config, probe: createProbe(config, { baseDir: this.baseDir, hostKeyPins: this.pins, scrapeMemory: this.scrapeMemory, redact: (t) => this.redactorRef.current?.redact(t) ?? t }) }));
    this.targets = new Map(scheduled.map((c) => [c.config.name, c.probe.target]));
    this.scheduler = new Scheduler(scheduled, {
      onResult: (r) => this.onResult(r),
      onSkip: (name) => {
        this.metrics.skippedRuns.inc({ check: name });
        this.results.skipped(name);
        this.logger.warn({ check: name }, 'previous run still going; skipped this run');
      },
    }, this.config.max_concurrent_probes);
    this.metrics.waitingRuns = () => this.scheduler?.waiting ?? 0;
    this.scheduler.start({ runAtStart });
  }

  private async startWatcher(setup?: PipelineSetup): Promise<void> {
    this.metrics.resetLogs();
    this.watcher = new LogWatcher({
      logs: this.config.logs,
      setup,
      instance: this.config.instance,
      baseDir: this.baseDir,
      metrics: this.metrics,
      logger: this.logger,
      offsets: this.offsets,
      memory: this.logMemory,
      onSignal: (s) => { this.release.log(s); this.alerting?.observe(s); },
      onBoot: () => this.releases?.boot(),
    });
    await this.watcher.start();
  }

  /** During a post-release watch the checks run every releases.watch_interval, within Foglet's SSH rate limit. */
  private async setWatchSchedule(watching: boolean): Promise<void> {
    if (this.stopping || !this.scheduler) return;
    await this.scheduler.stop();
    if (this.stopping) return;
    this.startScheduler(watching ? tighterSchedule(this.config, this.config.releases.watch_interval.ms) : this.config.checks, watching);
  }

  /** "Preserve the logs" before anyone is paged: a bundle per firing, named in the alert. */
  private writeEvidence(change: AlertChange): void {
    const ev = this.config.evidence;
    if (!ev.enabled) return;
    try {
      const dir = ev.dir ? path.resolve(this.baseDir, ev.dir) : path.join(path.dirname(path.resolve(this.baseDir, this.config.state_file)), 'evidence');
      const writer = new EvidenceWriter(dir, ev.keep, () => ({
        config: this.config, redactor: this.redactorRef.current, timeline: () => this.results.timeline(),
      }));
      change.alert.annotations.evidence_bundle = writer.write(change);
    } catch (e) {
      this.logger.warn({ alert: change.alert.key, err: (e as Error).message }, 'could not write the evidence bundle; the alert goes out without it');
    }
  }

  private onResult(r: ProbeResult): void {
    this.metrics.recordProbe(r);
    if (!this.results.record(r)) return; // the check was removed by a reload while it ran
    this.release.probe(r);
    const check = this.config.checks.find((c) => c.name === r.check);
    if (check) this.alerting?.observe(probeSignal(r, check), this.alerting.thresholdsFor(check));
    // Latency is judged where degraded_after is set, and cleared where it no longer is (a reload).
    if (check && ('degraded_after' in check && check.degraded_after || this.alerting?.isActive(`check:${r.check}:slow`))) {
      this.alerting?.observe(slowSignal(r), this.alerting.thresholdsFor(check));
    }
    if (check?.kind === 'app_metrics') this.onAppMetrics(r, check);
    const log = { check: r.check, kind: r.kind, ok: r.ok, reason: r.reason, duration_seconds: round(r.duration_seconds), message: r.message };
    if (r.ok) this.logger.debug(log, 'probe passed');
    else this.logger.warn(log, 'probe failed');
    this.saveResults();
  }

  /** Foglet's own metrics: each finding is a signal; a counter reset is a restart, recorded as a boot. */
  private onAppMetrics(r: ProbeResult, check: AppMetricsCheckConfig): void {
    const active = this.alerting?.activeKeys(`check:${r.check}:`) ?? [];
    for (const signal of appMetricsSignals(r, check, active)) {
      this.alerting?.observe(signal, { failure: 1, success: this.alerting.thresholdsFor(check).success });
    }
    if (r.details?.restarted !== true) return;
    this.metrics.appRestarts.inc({ check: r.check });
    this.logger.warn({ check: r.check, target: r.target }, 'Foglet restarted (its metrics counters reset)');
    this.releases?.boot();
    this.alerting?.notice({
      source: 'probe', key: `check:${r.check}:restart`, ok: false, severity: 'info', category: 'restart', reason: 'counter_reset',
      summary: `${r.check}: Foglet restarted (its metrics counters reset)`, labels: { check: r.check, target: r.target }, at: r.started_at,
    });
  }

  private saveResults(): void {
    const results = this.results.lastResults();
    // A target with ?access_token=..., a body echoing a token: the state file is as redacted as /status.
    this.state.set(SECTIONS.checkResults, this.redactorRef.current?.redactDeep(results) ?? results);
  }

  private restoreResults(): void {
    this.results.restore(this.state.get<Record<string, ProbeResult>>(SECTIONS.checkResults) ?? {}, this.config.checks.map((c) => c.name));
  }

  /** Re-reads the config file; on any problem the running config stays and the reason is logged. */
  async reload(): Promise<boolean> {
    if (!this.opts.configPath) return false;
    let next: Config;
    try {
      next = await loadConfigFile(this.opts.configPath, process.env, packChecks);
    } catch (e) {
      this.metrics.configReloads.inc({ outcome: 'failure' });
      const detail = e instanceof ConfigError ? e.problems : [{ message: (e as Error).message }];
      this.logger.error({ file: this.opts.configPath, problems: detail }, 'config reload failed; keeping the running config');
      return false;
    }
    for (const key of ['listen', 'state_file'] as const) {
      if (next[key] !== this.config[key]) this.logger.warn({ key }, `${key} changed; it takes effect at the next restart`);
    }
    let setup: PipelineSetup;
    try {
      setup = pipelineSetup(next.logs); // what can still fail after the schema (the rules compiled together), before anything stops
    } catch (e) {
      this.metrics.configReloads.inc({ outcome: 'failure' });
      this.logger.error({ file: this.opts.configPath, err: (e as Error).message }, 'config reload failed; keeping the running config');
      return false;
    }
    const previous = this.config;
    try {
      await this.apply({ ...next, listen: this.config.listen, state_file: this.config.state_file }, setup);
    } catch (e) {
      // Not expected once the setup above was built; if it happens, the running config comes back.
      this.metrics.configReloads.inc({ outcome: 'failure' });
      this.logger.error({ file: this.opts.configPath, err: (e as Error).message }, 'config reload failed while applying it; back to the running config');
      try {
        await this.apply(previous);
      } catch (again) {
        this.broken = (again as Error).message;
        this.logger.fatal({ err: this.broken }, 'the running config could not be restarted either; not ready');
      }
      return false;
    }
    this.metrics.configReloads.inc({ outcome: 'success' });
    this.metrics.configLoaded.setToCurrentTime();
    this.logger.info({ checks: this.config.checks.map((c) => c.name) }, 'config reloaded');
    return true;
  }

  /** Stops the checks and the log watcher, and starts them again on `config` (its log setup, when built already). */
  private async apply(config: Config, setup?: PipelineSetup): Promise<void> {
    await this.scheduler?.stop();
    await this.watcher?.stop();
    this.config = config;
    this.redactorRef.current = Redactor.fromConfig(this.config);
    this.logger.level = this.opts.logLevel ?? this.config.log.level;
    await this.alerting?.reconfigure(this.config);
    this.startScheduler(this.config.checks);
    await this.startWatcher(setup);
  }

  /** Graceful stop: no new runs, in-flight probes finish, the server closes, state is written. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info('stopping: waiting for probes in flight');
    await this.scheduler?.stop();
    await this.watcher?.stop();
    this.release.cancel();
    await this.alerting?.stop();
    await this.server?.close();
    await this.state.flush();
    this.state.close();
    this.logger.info('stopped');
  }

  get address(): string {
    const a = this.server?.server.address() as AddressInfo | null | undefined;
    if (!a) return this.config.listen;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.stopping) reasons.push('stopping');
    if (!this.scheduler?.running) reasons.push('scheduler not running');
    if (this.broken) reasons.push(`reload failed: ${this.broken}`);
    return { ready: reasons.length === 0, reasons };
  }

  status() {
    const doc = {
      instance: this.config.instance,
      version: VERSION,
      started_at: this.startedAt.toISOString(),
      config_file: this.opts.configPath ?? null,
      ready: this.readiness().ready,
      checks: this.config.checks.map((c) => {
        const s = this.results.get(c.name);
        const last = s?.last_result ?? null;
        return {
          name: c.name,
          kind: c.kind,
          target: this.targets.get(c.name) ?? null,
          schedule: c.schedule,
          timeout: c.timeout,
          state: (!last ? 'unknown' : !last.ok ? 'failing' : last.degraded ? 'degraded' : 'ok') as 'unknown' | 'failing' | 'degraded' | 'ok',
          consecutive_failures: s?.consecutive_failures ?? 0,
          runs: s?.runs ?? 0,
          skipped_runs: s?.skipped_runs ?? 0,
          last_result: last,
        };
      }),
      logs: this.watcher?.status() ?? null,
      alerting: this.alerting?.status() ?? null,
      release: this.releases ? {
        current: this.releases.current ?? null,
        deploy_window_until: windowIso(this.releases.windowEndsAt()),
        watching: this.release.watching(),
      } : null,
    };
    return this.redactorRef.current ? this.redactorRef.current.redactDeep(doc) : doc;
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function windowIso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** The /status document, as the daemon builds it: the status page and tests read it through this type. */
export type StatusDocument = ReturnType<Daemon['status']>;
