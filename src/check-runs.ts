/**
 * The checks as the daemon runs them: a probe built for each configured check, scheduled, and
 * each run's result recorded (metrics, results, the state file) before it is handed on. A
 * reload or a release watch starts them again on another list; results and memories stay.
 */
import type { CheckConfig } from './checks/index.js';
import { createProbe } from './checks/index.js';
import { CheckResults } from './checks/results.js';
import type { ProbeDeps, ProbeResult } from './checks/types.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { Scheduler } from './scheduler.js';
import { SECTIONS, type StateStore } from './state.js';

export interface CheckRunsDeps {
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
  private scheduler: Scheduler | undefined;
  private byName = new Map<string, string>();

  constructor(private readonly deps: CheckRunsDeps) {
    deps.metrics.waitingRuns = () => this.scheduler?.waiting ?? 0;
  }

  /** Brings back the last results saved, for the checks still configured. */
  restore(names: readonly string[]): void {
    this.results.restore(this.deps.state.get<Record<string, ProbeResult>>(SECTIONS.checkResults) ?? {}, names);
  }

  start(checks: readonly CheckConfig[], maxConcurrent: number, runAtStart = true): void {
    const { metrics, logger } = this.deps;
    metrics.setChecks([...checks]);
    this.results.configure(checks.map((c) => c.name));
    const scheduled = checks.map((config) => ({ config, probe: createProbe(config, this.deps.probeDeps) }));
    this.byName = new Map(scheduled.map((c) => [c.config.name, c.probe.target]));
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

  async stop(): Promise<void> {
    await this.scheduler?.stop();
  }

  get running(): boolean {
    return this.scheduler?.running ?? false;
  }

  /** What each check probes, as its probe shows it (no credentials). */
  get targets(): ReadonlyMap<string, string> {
    return this.byName;
  }

  private onResult(r: ProbeResult): void {
    this.deps.metrics.recordProbe(r);
    if (!this.results.record(r)) return; // the check was removed by a reload while it ran
    this.deps.state.set(SECTIONS.checkResults, this.deps.redactDeep(this.results.lastResults()));
    const log = { check: r.check, kind: r.kind, ok: r.ok, reason: r.reason, duration_seconds: Math.round(r.duration_seconds * 1000) / 1000, message: r.message };
    if (r.ok) this.deps.logger.debug(log, 'probe passed');
    else this.deps.logger.warn(log, 'probe failed');
    this.deps.onResult(r);
  }
}
