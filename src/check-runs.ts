/**
 * The checks as the daemon runs them: a probe built for each configured check, scheduled, and
 * each run's result recorded (metrics, results, the state file) before it is handed on. A
 * reload or a release watch starts them again on another list; results and memories stay.
 */
import type { CheckConfig, CheckRegistry } from './checks/index.js';
import { CheckHistory } from './checks/history.js';
import { CheckResults } from './checks/results.js';
import type { ProbeDeps, ProbeResult } from './checks/types.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { Scheduler } from './scheduler.js';
import { SECTIONS, type StateStore } from './state.js';

export interface CheckRunsDeps {
  /** The check kinds the probes are built from. */
  kinds: CheckRegistry;
  metrics: Metrics;
  logger: Logger;
  state: StateStore;
  /** What every probe may use (pins, scrape memory, the redactor), the same for each start. */
  probeDeps: ProbeDeps;
  /** Hides secrets in what is saved: the state file is as redacted as /status. */
  redactDeep<T>(value: T): T;
  /** A run of a check that is still configured, after its metrics and results were recorded. */
  onResult(r: ProbeResult): void;
}

export class CheckRuns {
  readonly results = new CheckResults();
  /** The last seven days of runs, for the status page (kept in its own file by the daemon). */
  readonly history = new CheckHistory();
  private scheduler: Scheduler | undefined;
  private targetsByCheck = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: CheckRunsDeps) {
    deps.metrics.waitingRuns = () => this.scheduler?.waiting ?? 0;
  }

  /** Brings back the last results saved, for the checks still configured. */
  restore(names: readonly string[]): void {
    this.results.restore(this.deps.state.get<Record<string, ProbeResult>>(SECTIONS.checkResults) ?? {}, names);
  }

  /**
   * Stops what runs (in-flight probes finish) and starts `plan()` as it is when its turn comes.
   * Every start and stop goes through one queue: a release watch's schedule, a reload and a
   * stop that overlap (a stop waits up to a probe's timeout) cannot leave two schedulers, nor
   * the older request's schedule running after the newer one.
   */
  restart(plan: () => { checks: readonly CheckConfig[]; maxConcurrent: number; runAtStart: boolean }): Promise<void> {
    return this.enqueue(async () => {
      await this.scheduler?.stop();
      this.scheduler = undefined;
      if (!this.closed) this.startNow(plan());
    });
  }

  /** Stops the checks (in-flight probes finish); `close` also refuses any later restart. */
  stop(opts: { close?: boolean } = {}): Promise<void> {
    if (opts.close) this.closed = true;
    return this.enqueue(async () => {
      await this.scheduler?.stop();
      this.scheduler = undefined;
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private startNow({ checks, maxConcurrent, runAtStart }: { checks: readonly CheckConfig[]; maxConcurrent: number; runAtStart: boolean }): void {
    const { metrics, logger } = this.deps;
    metrics.setChecks([...checks]);
    this.results.configure(checks.map((c) => c.name));
    this.history.configure(checks.map((c) => c.name));
    const scheduled = checks.map((config) => ({ config, probe: this.deps.kinds.create(config, this.deps.probeDeps) }));
    this.targetsByCheck = new Map(scheduled.map((c) => [c.config.name, c.probe.target]));
    this.scheduler = new Scheduler(scheduled, {
      onResult: (r) => this.onResult(r),
      onSkip: (name) => {
        metrics.skippedRuns.inc({ check: name });
        this.results.skipped(name);
        logger.warn({ check: name }, 'previous run still going; skipped this run');
      },
    }, maxConcurrent);
    this.scheduler.start({ runAtStart });
  }

  get running(): boolean {
    return this.scheduler?.running ?? false;
  }

  /** Runs `fn` within the running scheduler's concurrency cap; undefined while none runs. */
  withSlot<T>(fn: () => Promise<T>): Promise<T | undefined> {
    return this.scheduler ? this.scheduler.withSlot(fn) : Promise.resolve(undefined);
  }

  /** Why the checks are not keeping to their schedule, if they are not (see Scheduler.stalled). */
  stalled(now?: number): string | undefined {
    return this.scheduler?.stalled(now);
  }

  /** What each check probes, as its probe shows it (no credentials). */
  get targets(): ReadonlyMap<string, string> {
    return this.targetsByCheck;
  }

  private onResult(r: ProbeResult): void {
    this.deps.metrics.recordProbe(r);
    if (!this.results.record(r)) return; // the check was removed by a reload while it ran
    this.history.record(r);
    this.deps.metrics.recordKind(r); // its kind's own series (app restarts): only for a check still configured
    this.deps.state.set(SECTIONS.checkResults, this.deps.redactDeep(this.results.lastResults()));
    const log = { check: r.check, kind: r.kind, ok: r.ok, reason: r.reason, duration_seconds: Math.round(r.duration_seconds * 1000) / 1000, message: r.message };
    if (r.ok) this.deps.logger.debug(log, 'probe passed');
    else this.deps.logger.warn(log, 'probe failed');
    this.deps.onResult(r);
  }
}
