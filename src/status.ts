/**
 * The `/status` document: one type, built from each part's own `status()`. The status page
 * and the tests read it through StatusDocument; the daemon only hands the parts over.
 */
import type { CheckConfig } from './checks/index.js';
import type { CheckResults } from './checks/results.js';
import type { CheckHistory } from './checks/history.js';
import type { Alerting } from './alerts/alerting.js';
import type { LogWatcher } from './logs/watcher.js';
import type { ReleaseTracker } from './release/marks.js';
import type { ReleaseController } from './release/controller.js';
import { VERSION } from './version.js';

export interface StatusParts {
  instance: string;
  startedAt: Date;
  configFile: string | null;
  ready: boolean;
  checks: readonly CheckConfig[];
  results: CheckResults;
  history?: CheckHistory;
  /** What each check probes, as its probe shows it (no credentials). */
  targets: ReadonlyMap<string, string>;
  watcher: LogWatcher | undefined;
  alerting: Alerting | undefined;
  releases: ReleaseTracker | undefined;
  release: ReleaseController;
}

export type CheckState = 'unknown' | 'failing' | 'degraded' | 'ok';

export function statusDocument(p: StatusParts) {
  return {
    instance: p.instance,
    version: VERSION,
    started_at: p.startedAt.toISOString(),
    config_file: p.configFile,
    ready: p.ready,
    checks: p.checks.map((c) => {
      const s = p.results.get(c.name);
      const last = s?.last_result ?? null;
      return {
        name: c.name,
        kind: c.kind,
        target: p.targets.get(c.name) ?? null,
        schedule: c.schedule,
        timeout: c.timeout.toString(),
        state: (!last ? 'unknown' : !last.ok ? 'failing' : last.degraded ? 'degraded' : 'ok') as CheckState,
        consecutive_failures: s?.consecutive_failures ?? 0,
        runs: s?.runs ?? 0,
        skipped_runs: s?.skipped_runs ?? 0,
        last_result: last,
        history: p.history?.view(c.name) ?? null,
      };
    }),
    logs: p.watcher?.status() ?? null,
    alerting: p.alerting?.status() ?? null,
    release: p.releases ? {
      current: p.releases.current ?? null,
      deploy_window_until: isoOrNull(p.releases.windowEndsAt()),
      watching: p.release.watching(),
    } : null,
  };
}

/** The /status document, as the daemon serves it (redacted): the status page and tests read it through this type. */
export type StatusDocument = ReturnType<typeof statusDocument>;

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
