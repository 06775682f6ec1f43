/**
 * The composition root: builds the parts from the config, fans probe results and log signals
 * out to the release watch and the alerts, and starts, reloads and stops the parts. Parts talk
 * through the small types they export (ProbeResult, Signal, StatusDocument); nothing here
 * reaches into a part's internals, and no part's own work is done here.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfigFile } from './config/load.js';
import { Redactor } from './config/redact.js';
import type { Config } from './config/schema.js';
import { checkKinds } from './checks/index.js';
import type { ProbeResult } from './checks/types.js';
import { createLogger, RedactorRef, type Logger, type LogFormat } from './log.js';
import { Metrics } from './metrics.js';
import { CheckRuns } from './check-runs.js';
import { OnDemandProbes } from './checks/on-demand.js';
import { HistoryFile, historyPath } from './checks/history.js';
import { applyReload, readReload } from './reload.js';
import { boundAddress, buildServer, parseListen } from './server.js';
import { SECTIONS, StateStore, stateMap } from './state.js';
import type { PinnedKey } from './checks/ssh/hostkey.js';
import { Alerting } from './alerts/alerting.js';
import { ReleaseController } from './release/controller.js';
import { deployWindow } from './release/window.js';
import { evidenceOnFiring } from './alerts/evidence.js';
import { checkPlan } from './release/rate-limit.js';
import { resultSignals } from './checks/signal.js';
import type { ScrapeMemory } from './checks/app-metrics/foglet-metrics.js';
import { LogWatcher } from './logs/watcher.js';
import { packChecks } from './logs/packs.js';
import type { PipelineSetup } from './logs/setup.js';
import type { PipelineMemory } from './logs/pipeline.js';
import type { FileOffset } from './logs/sources/file.js';
import { serverConnectionCap } from './server/connections.js';
import { VERSION } from './version.js';
import { statusDocument, type StatusDocument } from './status.js';
import { SelfHealth } from './self-health.js';

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
  /** The check kinds: one registry for the probes, their metrics and their signals. */
  private readonly kinds = checkKinds;
  readonly metrics = new Metrics({ kinds: this.kinds });
  private readonly redactorRef: RedactorRef;
  private config: Config;
  private server: FastifyInstance | undefined;
  private state: StateStore;
  private watcher: LogWatcher | undefined;
  private alerting: Alerting | undefined;
  private readonly release: ReleaseController;
  private readonly checks: CheckRuns;
  private readonly probes: OnDemandProbes;
  /** The checks' seven days of history, in its own file beside the state file. */
  private readonly historyFile: HistoryFile;
  private readonly startedAt = new Date();
  /** A release watch asked for its tighter schedule (the last request wins). */
  private watchSchedule = false;
  private readonly self: SelfHealth;

  private constructor(private readonly opts: DaemonOptions, config: Config) {
    this.config = config;
    this.redactorRef = new RedactorRef(Redactor.fromConfig(config));
    this.logger = createLogger({ level: opts.logLevel ?? config.log.level, format: opts.logFormat ?? config.log.format, destination: opts.logDestination }, this.redactorRef);
    const stateFile = path.resolve(this.baseDir, config.state_file);
    this.state = new StateStore(stateFile, this.logger, { onWrite: (ok) => { this.self.stateWritable = ok; this.metrics.stateWritten(ok); } });
    const probeDeps = {
      baseDir: this.baseDir, hostKeyPins: stateMap<PinnedKey>(this.state, SECTIONS.hostKeyPins), scrapeMemory: new Map<string, ScrapeMemory>(),
      redact: (t: string) => this.redactorRef.current?.redact(t) ?? t,
    };
    this.checks = new CheckRuns({
      kinds: this.kinds, metrics: this.metrics, logger: this.logger, state: this.state, probeDeps,
      redactDeep: (v) => this.redactorRef.current?.redactDeep(v) ?? v,
      onResult: (r) => this.onResult(r),
    });
    this.self = new SelfHealth(this.checks);
    this.historyFile = new HistoryFile(historyPath(stateFile), this.checks.history, (fields, msg) => this.logger.warn(fields, msg));
    this.probes = new OnDemandProbes({ config: () => this.config, kinds: this.kinds, probeDeps, withSlot: (fn) => this.checks.withSlot(fn) });
    this.release = new ReleaseController({
      config: () => this.config, state: this.state, metrics: this.metrics, logger: this.logger,
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
    try {
      await daemon.startParts();
    } catch (e) {
      // Failed part way (the address taken): the parts already running stop, rather than probe,
      // tail and write the state file on behind a start that said it failed (a demo trial hung so).
      // Nothing of this run is written: its state file may be another monitor's, the one holding the address.
      await daemon.stop({ persist: false }).catch(() => {});
      throw e;
    }
    return daemon;
  }

  private get baseDir(): string {
    return this.opts.configPath ? path.dirname(path.resolve(this.opts.configPath)) : process.cwd();
  }

  private async startParts(): Promise<void> {
    await this.state.load();
    await this.historyFile.start();
    this.checks.restore(this.config.checks.map((c) => c.name));
    this.metrics.configLoaded.setToCurrentTime();
    const releases = this.release.load();
    this.alerting = new Alerting(this.config, {
      state: this.state, metrics: this.metrics, logger: this.logger, redactor: () => this.redactorRef.current,
      window: deployWindow(releases),
      onFiring: evidenceOnFiring({
        baseDir: this.baseDir,
        sources: () => ({ config: this.config, redactor: this.redactorRef.current, timeline: () => this.checks.results.timeline() }),
        warn: (fields, msg) => this.logger.warn(fields, msg),
      }),
      health: () => this.self.health(),
    });
    this.alerting.start();
    await this.checks.restart(() => this.plan());
    await this.startWatcher();
    this.server = await buildServer({
      logger: this.logger,
      metrics: () => this.metrics,
      readiness: () => this.self.readiness(),
      status: () => this.status(),
      logIngest: () => (this.watcher ? { source: (name) => this.watcher?.httpSource(name) } : undefined),
      silences: () => this.alerting?.silences,
      releases: () => releases,
      probes: () => this.probes,
      apiToken: () => this.config.api.token,
      persist: () => this.state.persist(),
      maxConnections: serverConnectionCap(this.config, (fields, msg) => this.logger.warn(fields, msg)),
    });
    const { host, port } = parseListen(this.opts.listen ?? this.config.listen);
    await this.server.listen({ host, port });
    this.self.started();
    this.logger.info({ listen: this.address, checks: this.config.checks.map((c) => c.name), version: VERSION },
      'foglet-monitor started');
  }

  private async startWatcher(setup?: PipelineSetup): Promise<void> {
    this.metrics.resetLogs();
    this.watcher = new LogWatcher({
      logs: this.config.logs, setup, instance: this.config.instance, baseDir: this.baseDir, metrics: this.metrics, logger: this.logger,
      offsets: stateMap<FileOffset>(this.state, SECTIONS.logOffsets),
      memory: stateMap<PipelineMemory>(this.state, SECTIONS.logRules),
      onSignal: (s) => { this.release.log(s); this.alerting?.observe(s); },
      onRepeat: (make) => this.release.logRepeat(make),
      onBoot: () => this.release.tracker?.boot(),
    });
    await this.watcher.start();
  }

  /** During a post-release watch the checks run every releases.watch_interval, within Foglet's SSH rate limit. */
  private setWatchSchedule(watching: boolean): void {
    this.watchSchedule = watching;
    void this.checks.restart(() => this.plan(watching));
  }

  private plan(runAtStart = true) {
    return checkPlan(this.config, this.watchSchedule, runAtStart);
  }

  /** A run's result, fanned out: the release watch, then every signal it carries to the alerts. */
  private onResult(r: ProbeResult): void {
    this.release.probe(r);
    const check = this.config.checks.find((c) => c.name === r.check);
    if (!check || !this.alerting) return;
    const out = resultSignals(r, check, this.kinds.get(check.kind), this.alerting.thresholdsFor(check), () => this.alerting!.activeKeys(`check:${r.check}:`));
    for (const { signal, thresholds } of out.signals) this.alerting.observe(signal, thresholds);
    if (out.restarted) this.release.tracker?.boot();
    for (const notice of out.notices) {
      this.logger.warn({ check: r.check, target: r.target }, notice.summary);
      this.alerting.notice(notice);
    }
  }

  /** Re-reads the config file; on any problem the running config stays and the reason is logged. */
  async reload(): Promise<boolean> {
    if (!this.opts.configPath) return false;
    const next = await readReload(this.opts.configPath, this.config, this.logger, this.metrics);
    if (!next) return false;
    const previous = this.config;
    const outcome = await applyReload(this.opts.configPath, () => this.apply(next.config, next.setup), () => this.apply(previous), this.logger, this.metrics);
    this.self.broken = outcome.broken ?? this.self.broken;
    if (outcome.ok) this.logger.info({ checks: this.config.checks.map((c) => c.name) }, 'config reloaded');
    return outcome.ok;
  }

  /** Stops the checks and the log watcher, and starts them again on `config` (its log setup, when built already). */
  private async apply(config: Config, setup?: PipelineSetup): Promise<void> {
    await this.self.reloading(() => this.applyNow(config, setup));
  }

  private async applyNow(config: Config, setup?: PipelineSetup): Promise<void> {
    await this.checks.stop();
    await this.watcher?.stop();
    this.config = config;
    this.redactorRef.current = Redactor.fromConfig(this.config);
    this.logger.level = this.opts.logLevel ?? this.config.log.level;
    await this.alerting?.reconfigure(this.config);
    await this.checks.restart(() => this.plan());
    await this.startWatcher(setup);
  }

  /**
   * Graceful stop: no new runs, in-flight probes finish, the server closes, state is written
   * (`persist: false`, after a start that failed: it is not).
   */
  async stop(opts: { persist?: boolean } = {}): Promise<void> {
    if (!this.self.stop()) return;
    this.logger.info('stopping: waiting for probes in flight');
    await this.checks.stop({ close: true });
    await this.watcher?.stop();
    this.release.cancel();
    await this.historyFile.stop();
    await this.alerting?.stop();
    await this.server?.close();
    if (opts.persist !== false) await this.state.flush();
    this.state.close();
    this.logger.info('stopped');
  }

  get address(): string {
    return boundAddress(this.server) ?? this.config.listen;
  }

  readiness() { return this.self.readiness(); }
  health() { return this.self.health(); }

  /** The checks as they run now: with a release watch's schedule while one runs. */
  status(): StatusDocument {
    const doc = statusDocument({
      instance: this.config.instance, startedAt: this.startedAt, configFile: this.opts.configPath ?? null, ready: this.self.readiness().ready,
      checks: this.plan().checks, results: this.checks.results, history: this.checks.history, targets: this.checks.targets,
      watcher: this.watcher, alerting: this.alerting, releases: this.release.tracker, release: this.release,
    });
    return this.redactorRef.current ? this.redactorRef.current.redactDeep(doc) : doc;
  }
}
