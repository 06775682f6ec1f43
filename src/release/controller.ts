/**
 * The release watch's lifecycle, out of the daemon: release marks into the state file,
 * the metrics and the log (and the announcements), a post-release watch for a release
 * just finished, its verdict as a signal with the runbook, and a healthy release's notice.
 * It is handed what it needs (the signal sinks, a reschedule callback) and reaches into
 * nothing else.
 */
import type { Config } from '../config/schema.js';
import type { ProbeResult } from '../checks/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Signal } from '../signals.js';
import { SECTIONS, type StateStore } from '../state.js';
import { announceRelease } from './announce.js';
import { ReleaseTracker, type Release } from './marks.js';
import { ReleaseWatch, type WatchVerdict } from './watch.js';

export interface ReleaseControllerDeps {
  config(): Config;
  state: StateStore;
  metrics: Metrics;
  logger: Logger;
  /** A signal to the alert engine. */
  observe(signal: Signal): void;
  /** News to the sinks that take it, not tracked. */
  notice(signal: Signal): void;
  /** The alert gauges, which carry the deploy window. */
  refreshAlertMetrics(): void;
  /** Checks every releases.watch_interval while watching; back to their own schedules after. */
  reschedule(watching: boolean): void;
}

export class ReleaseController {
  private watch: ReleaseWatch | undefined;
  /** The release marks, from load() on. */
  tracker: ReleaseTracker | undefined;

  constructor(private readonly deps: ReleaseControllerDeps) {}

  /** The marks saved in the state file; a release finished before a restart is watched on. */
  load(): ReleaseTracker {
    const settings = () => {
      const r = this.deps.config().releases;
      return { graceMs: r.grace.ms, maxWindowMs: r.max_window.ms, watchForMs: r.watch_for.ms };
    };
    this.tracker = new ReleaseTracker(this.deps.state.get<Release[]>(SECTIONS.releases), settings, (all, marked) => this.onReleases(all, true, marked));
    this.onReleases(this.tracker.list().reverse(), false);
    return this.tracker;
  }

  /** Release marks and boots: into the state file, the metrics and the log; a finished release is watched. */
  onReleases(all: Release[], changed = true, marked?: Release): void {
    const { metrics, logger } = this.deps;
    const config = this.deps.config();
    if (changed) this.deps.state.set(SECTIONS.releases, all);
    const current = all.at(-1);
    metrics.releaseInfo.reset();
    metrics.releaseStart.reset();
    if (current) {
      metrics.releaseInfo.set({ version: current.version, status: current.status }, 1);
      metrics.releaseStart.set({ version: current.version }, Date.parse(current.startedAt) / 1000);
    }
    if (marked) {
      logger.info({ release: marked.version, status: marked.status }, 'release mark');
      void announceRelease(config.releases.announce, { ...marked }, { instance: config.instance, warn: (o, m) => logger.warn(o, m) });
    }
    this.deps.refreshAlertMetrics();
    if (current) this.maybeWatch(current);
  }

  probe(r: ProbeResult): void { this.watch?.probe(r); }

  log(s: Signal): void { this.watch?.log(s); }

  /** A match of a log rule already active: it counts against the release being watched (no new alert). */
  logRepeat(make: () => Signal): void {
    if (this.watch) this.watch.log(make());
  }

  cancel(): void {
    this.watch?.cancel();
    this.watch = undefined;
  }

  /** The watch in progress, for /status. */
  watching(): ({ version: string } & ReturnType<ReleaseWatch['current']>) | null {
    return this.watch ? { version: this.watch.version, ...this.watch.current() } : null;
  }

  /** A release just finished (or finished recently, before a restart) and has no verdict: watch it. */
  private maybeWatch(r: Release): void {
    const config = this.deps.config();
    if (r.status !== 'finished' || r.verdict?.final || !r.finishedAt || this.watch?.version === r.version) return;
    const left = Date.parse(r.finishedAt) + config.releases.watch_for.ms - Date.now();
    if (left <= 0) return;
    this.watch?.cancel();
    this.watch = new ReleaseWatch(r.version, config.checks, left, (v) => this.onVerdict(v));
    this.deps.metrics.releaseVerdict.reset();
    this.deps.metrics.releaseVerdict.set({ version: r.version, verdict: 'watching' }, 1);
    this.deps.logger.info({ release: r.version, watch_seconds: Math.round(left / 1000) }, 'post-release watch started');
    this.deps.reschedule(true);
  }

  private onVerdict(v: WatchVerdict): void {
    const { metrics, logger } = this.deps;
    const items = v.items.map((i) => ({ id: i.id, verdict: i.verdict, evidence: i.evidence }));
    this.tracker?.setVerdict(v.version, { verdict: v.verdict, at: new Date().toISOString(), final: v.final, items });
    metrics.releaseVerdict.reset();
    metrics.releaseVerdict.set({ version: v.version, verdict: v.verdict }, 1);
    if (v.final) {
      this.watch = undefined;
      this.deps.reschedule(false);
    }
    const bad = v.items.filter((i) => i.verdict === 'failed' || i.verdict === 'degraded');
    logger[v.verdict === 'healthy' ? 'info' : 'warn']({ release: v.version, verdict: v.verdict, items: bad.map((i) => i.id) }, 'post-release verdict');
    if (v.verdict === 'healthy') {
      // A good release closes what an earlier one left open, and says so once.
      for (const r of this.tracker?.list() ?? []) {
        if (r.version !== v.version) this.deps.observe(releaseSignal(r.version, true, 'info', 'healthy', []));
      }
      const watched = Math.round(this.deps.config().releases.watch_for.ms / 60_000);
      this.deps.notice({
        ...releaseSignal(v.version, false, 'info', 'healthy', []),
        summary: `release ${v.version} healthy: every checklist item passed for ${watched > 0 ? `${watched}m` : 'the watch'} after the deploy`,
        evidence: { lines: v.items.map((i) => `${i.id}: ${i.verdict}${i.evidence[0] ? ` (${i.evidence[0]})` : ''}`) },
      });
      return;
    }
    this.deps.observe(releaseSignal(v.version, false, v.verdict === 'failed' ? 'critical' : 'warning', v.verdict, bad));
  }
}

function releaseSignal(version: string, ok: boolean, severity: Signal['severity'], verdict: string,
  bad: Array<{ id: string; title: string; evidence: string[] }>): Signal {
  return {
    source: 'release',
    key: `release:${version}`,
    ok,
    severity,
    category: 'release',
    reason: `release_${verdict}`,
    summary: ok ? `release ${version} is followed by a healthy one`
      : `release ${version} ${verdict}: ${bad.map((i) => i.id).join(', ')}`,
    labels: { release: version },
    ...(ok ? {} : { evidence: { lines: bad.flatMap((i) => [`${i.id}: ${i.title}`, ...i.evidence.map((e) => `  ${e}`)]), runbook: RELEASE_RUNBOOK } }),
    at: new Date().toISOString(),
  };
}

/** From Foglet's upgrade guide: stop, preserve, then choose. */
const RELEASE_RUNBOOK = 'Stop the broken release or keep traffic off it; preserve the logs and the database state; then choose the quickest safe fix: roll-forward code, a code rollback (safe only if the previous release can read the migrated schema), or a database restore (only from a known-good backup, with approval). The board can tolerate a pause, not a rushed restore.';
