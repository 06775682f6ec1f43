/**
 * Foglet allows 10 SSH channel starts a minute per IP, and on Fly every caller
 * shares the proxy's address: a watch that probes harder keeps its own SSH starts
 * under 8 a minute, leaving room for real callers.
 */
import type { CheckConfig, Config } from '../config/schema.js';

const SSH_STARTS_PER_MINUTE = 8;

/** The interval, raised so that every SSH check running at it stays under the limit. */
export function safeInterval(config: Pick<Config, 'checks'>, intervalMs: number): number {
  const ssh = config.checks.filter((c) => c.kind === 'ssh').length;
  return ssh === 0 ? intervalMs : Math.max(intervalMs, Math.ceil((60_000 * ssh) / SSH_STARTS_PER_MINUTE));
}

/** The checks rescheduled to run every `intervalMs` (made safe), or unchanged when that is a minute or more. */
export function tighterSchedule(config: Pick<Config, 'checks'>, intervalMs: number): CheckConfig[] {
  const seconds = Math.ceil(safeInterval(config, intervalMs) / 1000);
  if (seconds > 59) return config.checks;
  return config.checks.map((c) => ({ ...c, schedule: `*/${seconds} * * * * *` }));
}

/** What the checks run on now: the watch's tighter schedule while a release is watched, else the config's. */
export function checkPlan(config: Config, watching: boolean, runAtStart: boolean): { checks: readonly CheckConfig[]; maxConcurrent: number; runAtStart: boolean } {
  const checks = watching ? tighterSchedule(config, config.releases.watch_interval.ms) : config.checks;
  return { checks, maxConcurrent: config.max_concurrent_probes, runAtStart };
}
