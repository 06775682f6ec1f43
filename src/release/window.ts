/**
 * What the alert engine asks of releases: whether an alert due to fire waits for
 * the deploy window to close, and which release to label it with.
 */
import type { DeployWindow } from '../alerts/alerting.js';
import type { Config } from '../config/schema.js';
import type { Signal } from '../signals.js';
import type { ReleaseTracker } from './marks.js';

/**
 * What a deploy never causes by itself, so a deploy window never holds it back: a restart
 * loop, a failed migration, a missing secret, a changed or unreadable host key.
 * `releases.page_at_once` adds to these.
 */
export const NEVER_HELD = {
  categories: ['restart_loop', 'migration_failure', 'missing_secret', 'ssh_host_key'],
  reasons: ['restart_loop', 'hostkey_mismatch'],
} as const;

/**
 * The window's rule in one sentence: it holds back what one planned restart causes (a crash
 * line before the new boot, a brief /up or SSH outage up to the window's length) and nothing
 * else. A crash after the window's second boot is no planned restart.
 */
export function deployHold(releases: ReleaseTracker, cfg: Config['releases']): (signal: Pick<Signal, 'category' | 'reason'>, now: number) => number | undefined {
  const categories = new Set<string>([...NEVER_HELD.categories, ...cfg.page_at_once.categories]);
  const reasons = new Set<string>([...NEVER_HELD.reasons, ...cfg.page_at_once.reasons]);
  return (signal, now) => {
    if (categories.has(signal.category) || reasons.has(signal.reason)) return undefined;
    if (signal.category === 'crash' && releases.bootsInWindow(now) > 1) return undefined;
    return releases.windowEndsAt(now);
  };
}

export function releaseLabels(releases: ReleaseTracker): () => Record<string, string> {
  return (): Record<string, string> => {
    const version = releases.label;
    return version ? { release: version } : {};
  };
}

/** The deploy window as the alerting sees it. */
export function deployWindow(releases: ReleaseTracker): DeployWindow {
  const labels = releaseLabels(releases);
  return {
    hold: (cfg) => deployHold(releases, cfg),
    labels,
    incidentKey: (now) => releases.incidentKey(now),
    endsAt: () => releases.windowEndsAt(),
  };
}
