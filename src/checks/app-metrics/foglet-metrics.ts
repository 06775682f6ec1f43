/**
 * What Foglet's own metrics say (foglet.md §1, §8): a scrape compared with the one
 * before it. Foglet keeps its metrics in memory, so a counter that goes down or
 * disappears means the node restarted; the rest are the alert signals §8 names.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { AppMetricsCheckConfig } from './schema.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Counters and the _sum/_count of summaries and histograms only ever go up until a restart. */
  counter: boolean;
}

export interface Scrape {
  /** Unix ms of the scrape. */
  at: number;
  series: Map<string, Sample>;
}

export const FINDINGS = [
  'sessions_near_cap', 'auth_failures', 'session_replacements', 'door_launch_errors', 'repo_queue_time', 'memory', 'restart_loop',
] as const;
export type FindingId = (typeof FINDINGS)[number];

export interface Finding {
  id: FindingId;
  ok: boolean;
  value: number;
  threshold: number;
  /** One readable line with the numbers. */
  summary: string;
}

export interface Analysis {
  /** The counters went down or vanished since the previous scrape. */
  restarted: boolean;
  /** Only the findings that could be judged: rates need a previous scrape. */
  findings: Finding[];
}

type Thresholds = AppMetricsCheckConfig['thresholds'];

function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${parts.join(',')}}`;
}

/** The exposition text as flat series; throws when it holds no metric at all. */
export function parseScrape(text: string, at: number): Scrape {
  const series = new Map<string, Sample>();
  const add = (name: string, labels: Record<string, string>, raw: string | undefined, counter: boolean) => {
    const value = Number(raw);
    if (raw === undefined || Number.isNaN(value)) return;
    series.set(seriesKey(name, labels), { name, labels, value, counter });
  };
  for (const family of parsePrometheusTextFormat(text)) {
    const counter = family.type === 'COUNTER' || (family.type === 'UNTYPED' && family.name.endsWith('_total'));
    for (const m of family.metrics) {
      const labels = m.labels ?? {};
      if (family.type === 'SUMMARY' || family.type === 'HISTOGRAM') {
        add(`${family.name}_sum`, labels, m.sum, true);
        add(`${family.name}_count`, labels, m.count, true);
      } else {
        add(family.name, labels, m.value, counter);
      }
    }
  }
  if (series.size === 0) throw new Error('the response holds no Prometheus metrics');
  return { at, series };
}

/** True when a counter went down or a counter series vanished: Foglet restarted in between. */
export function countersReset(prev: Scrape, cur: Scrape): boolean {
  for (const [key, p] of prev.series) {
    if (!p.counter) continue;
    const c = cur.series.get(key);
    if (!c || c.value < p.value) return true;
  }
  return false;
}

type Match = (s: Sample) => boolean;
const named = (name: string, labels: Record<string, string> = {}): Match =>
  (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);

function sum(scrape: Scrape, match: Match): number | undefined {
  let total: number | undefined;
  for (const s of scrape.series.values()) if (match(s)) total = (total ?? 0) + s.value;
  return total;
}

/** How much a set of counters grew since the previous scrape; after a restart, all of it is new. */
function increase(prev: Scrape, cur: Scrape, reset: boolean, match: Match): number {
  let total = 0;
  for (const [key, c] of cur.series) {
    if (!match(c)) continue;
    const p = reset ? undefined : prev.series.get(key);
    total += Math.max(0, c.value - (p?.value ?? 0));
  }
  return total;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * What one check remembers between scrapes. The daemon keeps it by check name, so a
 * reload or the post-release schedule (which build new probes) does not forget it.
 */
export interface ScrapeMemory {
  prev?: Scrape;
  /** Unix ms of each restart seen within the restart-loop window. */
  restarts: number[];
}

export class FogletMetricsAnalyser {
  constructor(private readonly t: Thresholds, private readonly memory: ScrapeMemory = { restarts: [] }) {}

  /** Judges this scrape against the previous one, and remembers it for the next. */
  analyse(cur: Scrape): Analysis {
    const t = this.t;
    const prev = this.memory.prev;
    const findings: Finding[] = [];
    const restarted = prev !== undefined && countersReset(prev, cur);
    if (restarted) this.memory.restarts.push(cur.at);
    this.memory.restarts = this.memory.restarts.filter((at) => cur.at - at < t.restart_loop.window.ms);
    this.memory.prev = cur;
    const restarts = this.memory.restarts.length;

    const active = sum(cur, named('foglet_ssh_sessions_active', { kind: 'total' }))
      ?? sum(cur, (s) => s.name === 'foglet_ssh_sessions_active' && s.labels.kind !== 'total');
    if (active !== undefined) {
      findings.push({
        id: 'sessions_near_cap', ok: active < t.sessions_active, value: active, threshold: t.sessions_active,
        summary: `${active} SSH sessions active (warning at ${t.sessions_active}; Foglet refuses callers at 500)`,
      });
    }
    const memory = sum(cur, named('foglet_vm_memory_bytes'));
    if (memory !== undefined) {
      const share = memory / t.memory_limit_bytes;
      findings.push({
        id: 'memory', ok: share < t.memory_ratio, value: round(share), threshold: t.memory_ratio,
        summary: `BEAM memory ${(memory / 2 ** 20).toFixed(0)} MiB is ${(share * 100).toFixed(0)}% of ${(t.memory_limit_bytes / 2 ** 20).toFixed(0)} MiB (warning at ${(t.memory_ratio * 100).toFixed(0)}%)`,
      });
    }
    findings.push({
      id: 'restart_loop', ok: restarts < t.restart_loop.restarts, value: restarts, threshold: t.restart_loop.restarts,
      summary: `${restarts} restart(s) (counter resets) within ${t.restart_loop.window}; a loop at ${t.restart_loop.restarts}`,
    });
    if (prev) findings.push(...this.rates(prev, cur, restarted));
    return { restarted, findings };
  }

  /** The findings that compare two scrapes. */
  private rates(prev: Scrape, cur: Scrape, reset: boolean): Finding[] {
    const t = this.t;
    const out: Finding[] = [];
    const grew = (m: Match) => increase(prev, cur, reset, m);

    const outcomes = named('foglet_ssh_auth_outcomes_total');
    const attempts = grew(outcomes);
    if (attempts >= t.auth_min_attempts) {
      const failed = grew((s) => outcomes(s) && !t.auth_success_outcomes.includes(s.labels.outcome ?? ''));
      const share = failed / attempts;
      out.push({
        id: 'auth_failures', ok: share < t.auth_failure_ratio, value: round(share), threshold: t.auth_failure_ratio,
        summary: `${failed} of ${attempts} SSH auth outcomes since the last scrape were not a success (${(share * 100).toFixed(0)}%; warning at ${(t.auth_failure_ratio * 100).toFixed(0)}%)`,
      });
    } else {
      out.push({
        id: 'auth_failures', ok: true, value: 0, threshold: t.auth_failure_ratio,
        summary: `${attempts} SSH auth outcomes since the last scrape (judged from ${t.auth_min_attempts})`,
      });
    }

    const minutes = Math.max((cur.at - prev.at) / 60_000, 1 / 60);
    const replaced = grew(named('foglet_ssh_session_replacements_total'));
    const perMinute = round(replaced / minutes);
    out.push({
      id: 'session_replacements', ok: perMinute < t.session_replacements_per_minute, value: perMinute, threshold: t.session_replacements_per_minute,
      summary: `${replaced} SSH session replacement(s) since the last scrape (${perMinute}/min; warning at ${t.session_replacements_per_minute}/min)`,
    });

    const doorErrors = grew(named('foglet_door_launches_total', { outcome: 'error' }));
    out.push({
      id: 'door_launch_errors', ok: doorErrors < t.door_launch_errors, value: doorErrors, threshold: t.door_launch_errors,
      summary: `${doorErrors} door launch error(s) since the last scrape`,
    });

    const queued = { phase: 'queue_time' };
    const queries = grew(named('foglet_bbs_repo_query_duration_seconds_count', queued));
    // No query since the last scrape is no wait: the finding holds (and resolves) like the others.
    const mean = queries > 0 ? grew(named('foglet_bbs_repo_query_duration_seconds_sum', queued)) / queries : 0;
    out.push({
      id: 'repo_queue_time', ok: mean < t.repo_queue_seconds, value: round(mean, 6), threshold: t.repo_queue_seconds,
      summary: queries > 0
        ? `Repo queries waited ${(mean * 1000).toFixed(1)} ms on average for a connection (${queries} queries; warning at ${t.repo_queue_seconds * 1000} ms: pool saturated)`
        : 'No Repo query since the last scrape',
    });
    return out;
  }
}
