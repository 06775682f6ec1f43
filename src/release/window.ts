/**
 * What the alert engine asks of releases: whether an alert due to fire waits for
 * the deploy window to close, and which release to label it with.
 */
import type { Config } from '../config/schema.js';
import type { Signal } from '../signals.js';
import type { ReleaseTracker } from './marks.js';

export function deployHold(releases: ReleaseTracker, cfg: Config['releases']): (signal: Pick<Signal, 'category' | 'reason'>, now: number) => number | undefined {
  return (signal, now) => {
    if (cfg.page_at_once.categories.includes(signal.category) || cfg.page_at_once.reasons.includes(signal.reason)) return undefined;
    return releases.windowEndsAt(now);
  };
}

export function releaseLabels(releases: ReleaseTracker): () => Record<string, string> {
  return (): Record<string, string> => {
    const version = releases.label;
    return version ? { release: version } : {};
  };
}
