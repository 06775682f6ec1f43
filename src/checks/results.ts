/**
 * What the checks' runs have shown so far: per check its runs, consecutive failures,
 * skipped runs and last result (restored from the state file after a restart, marked
 * `from_previous_run`), and the recent results of all checks in order, the timeline an
 * evidence bundle carries. The daemon records into it; /status and the state file read it.
 */
import type { ProbeResult } from './types.js';

export type LastResult = ProbeResult & { from_previous_run?: boolean };

export interface CheckRecord {
  runs: number;
  consecutive_failures: number;
  skipped_runs: number;
  last_result: LastResult | null;
}

/** The timeline's length: enough for the minutes before an alert, bounded. */
const TIMELINE = 100;

export class CheckResults {
  private readonly records = new Map<string, CheckRecord>();
  private readonly recent: ProbeResult[] = [];

  /** The checks now configured: records of removed checks go, new checks start empty. */
  configure(names: readonly string[]): void {
    for (const name of [...this.records.keys()]) if (!names.includes(name)) this.records.delete(name);
    for (const name of names) if (!this.records.has(name)) this.records.set(name, empty(null));
  }

  /** A run's result; false when its check was removed (by a reload while it ran). */
  record(r: ProbeResult): boolean {
    this.recent.push(r);
    if (this.recent.length > TIMELINE) this.recent.shift();
    const s = this.records.get(r.check);
    if (!s) return false;
    s.runs++;
    s.consecutive_failures = r.ok ? 0 : s.consecutive_failures + 1;
    s.last_result = r;
    return true;
  }

  skipped(name: string): void {
    const s = this.records.get(name);
    if (s) s.skipped_runs++;
  }

  get(name: string): CheckRecord | undefined {
    return this.records.get(name);
  }

  /** Recent results of all checks, oldest first (a copy). */
  timeline(): ProbeResult[] {
    return [...this.recent];
  }

  /** The last result of each check, for the state file. */
  lastResults(): Record<string, ProbeResult> {
    const out: Record<string, ProbeResult> = {};
    for (const [name, s] of this.records) if (s.last_result) out[name] = s.last_result;
    return out;
  }

  /** The last results a previous run saved, for the checks still configured. */
  restore(saved: Record<string, ProbeResult>, names: readonly string[]): void {
    for (const name of names) {
      const r = saved[name];
      if (r) this.records.set(name, empty({ ...r, from_previous_run: true }));
    }
  }
}

function empty(last: LastResult | null): CheckRecord {
  return { runs: 0, consecutive_failures: 0, skipped_runs: 0, last_result: last };
}
