/**
 * Compiled log rules. Healthy lines are the vast majority, so every event is first
 * tested against one combined expression of all patterns; only events that hit it
 * are tested rule by rule. Thresholds and quiet periods are tracked per source and
 * rule, so a rule signals once when its threshold is reached and clears once after
 * `quiet_for` without a match.
 */
import type { LogRuleConfig } from '../config/schema.js';
import { linearAny, linearRegex, type TextMatcher } from '../linear-regex.js';
import { severityRank, type Severity } from '../signals.js';
import { contextHolds } from './contexts.js';

const NO_CONTEXT: ReadonlySet<string> = new Set();

export interface LogRule {
  id: string;
  category: string;
  severity: Severity;
  pattern: TextMatcher;
  unless?: TextMatcher;
  /** Only while this context holds for the source (`!name`: while it does not). */
  context?: string;
  count: number;
  windowMs: number;
  quietForMs: number;
  summary?: string;
}

/** A rule as configured; `linear` for a user's own, whose pattern runs on the linear-time engine. */
export type RuleConfig = LogRuleConfig & { linear?: boolean };

export class RuleSet {
  readonly rules: LogRule[];
  /** The built-in pack's patterns joined (V8, each proven linear by recheck in the test suite). */
  private readonly packAny: RegExp | undefined;
  /** The user's patterns joined, on the linear-time engine. */
  private readonly userAny: TextMatcher | undefined;

  constructor(configs: RuleConfig[]) {
    this.rules = configs.map((c) => ({
      id: c.id,
      category: c.category,
      severity: c.severity,
      pattern: compile(c, c.pattern),
      ...(c.unless ? { unless: compile(c, c.unless) } : {}),
      ...(c.context ? { context: c.context } : {}),
      count: c.threshold.count,
      windowMs: c.threshold.window.ms,
      quietForMs: c.quiet_for.ms,
      summary: c.summary,
    }));
    const pack = configs.filter((c) => !c.linear);
    const ignoreCase = pack.some((c) => c.ignore_case);
    this.packAny = pack.length === 0 ? undefined
      : new RegExp(pack.map((c) => `(?:${c.pattern})`).join('|'), ignoreCase ? 'iu' : 'u');
    this.userAny = linearAny(configs.flatMap((c, i) => c.linear ? [{ pattern: c.pattern, ignoreCase: c.ignore_case, compiled: this.rules[i]!.pattern }] : []));
  }

  /**
   * The rules an event's text matches, one per category: the most severe of those that
   * match, the first of them on a tie (a user's critical rule is not hidden behind a pack's
   * warning of the same category). The monitor's own traffic matches none.
   */
  match(text: string, contexts: ReadonlySet<string> = NO_CONTEXT): LogRule[] {
    if (!this.packAny?.test(text) && !this.userAny?.test(text)) return [];
    if (OWN_TRAFFIC.test(text)) return [];
    const out: LogRule[] = [];
    for (const r of this.rules) {
      const i = out.findIndex((o) => o.category === r.category);
      if (i >= 0 && severityRank(out[i]!.severity) >= severityRank(r.severity)) continue;
      if (!contextHolds(r.context, contexts)) continue;
      if (r.pattern.test(text) && !r.unless?.test(text)) {
        if (i >= 0) out[i] = r; else out.push(r);
      }
    }
    return out;
  }
}

/**
 * What the monitor's own probes and scans leave in the board's log: OTP's ssh reports name
 * the peer's version (`Peer client version: "SSH-2.0-foglet-monitor_0.1.0"`, from
 * ssh_connection_handler's disconnect report, seen on OTP 25 / ssh 4.15.2), and a request
 * log may carry the User-Agent `foglet-monitor/<version>` (src/version.ts). Such an event is
 * the monitor hearing itself: the probe reports what it found directly.
 */
const OWN_TRAFFIC = /"SSH-2\.0-foglet-monitor_[^"\n]{0,64}"|\bfoglet-monitor\/\d+\.\d+\.\d+/u;

function compile(c: RuleConfig, source: string): TextMatcher {
  return c.linear ? linearRegex(source, c.ignore_case ? 'i' : '') : new RegExp(source, c.ignore_case ? 'iu' : 'u');
}

export interface RuleTransition {
  rule: LogRule;
  /** true: threshold reached, the rule is active; false: quiet for long enough, it cleared. */
  active: boolean;
  /** Matches within the window when it became active. */
  count: number;
  /** When it happened (ms since the epoch): the match, or the end of the quiet period. */
  at: number;
}

export interface Track {
  times: number[];
  active: boolean;
  lastMatch: number;
}

/** Per-rule threshold and quiet-period state for one source. */
export class RuleTracker {
  private readonly tracks = new Map<string, Track>();

  /** What a restart must keep: active rules (to clear them after quiet_for) and matches counting toward a threshold. */
  memory(): Record<string, Track> {
    const out: Record<string, Track> = {};
    for (const [id, t] of this.tracks) if (t.active || t.times.length > 0) out[id] = { ...t, times: [...t.times] };
    return out;
  }

  restore(saved: Record<string, Track> | undefined): void {
    for (const [id, t] of Object.entries(saved ?? {})) {
      if (typeof t?.lastMatch !== 'number' || !Array.isArray(t.times)) continue;
      this.tracks.set(id, { times: t.times.filter((x) => typeof x === 'number'), active: t.active === true, lastMatch: t.lastMatch });
    }
  }

  /**
   * Records a match at `time`; returns the transitions it causes, in order. The one rule
   * by which a match is absorbed: it joins the rule's open episode only when it comes
   * less than `quiet_for` after that episode's last match. Otherwise the episode ended
   * (at last match + quiet_for, say while the monitor was down) and is cleared first;
   * the match then counts toward a new one.
   */
  record(rule: LogRule, time: number): RuleTransition[] {
    let t = this.tracks.get(rule.id);
    if (!t) { t = { times: [], active: false, lastMatch: 0 }; this.tracks.set(rule.id, t); }
    const out: RuleTransition[] = [];
    if (t.active && time - t.lastMatch >= rule.quietForMs) {
      t.active = false;
      out.push({ rule, active: false, count: 0, at: t.lastMatch + rule.quietForMs });
    }
    t.lastMatch = Math.max(t.lastMatch, time);
    if (t.active) return out;
    t.times.push(time);
    const from = time - rule.windowMs;
    while (t.times.length > 0 && t.times[0]! < from) t.times.shift();
    if (t.times.length > rule.count) t.times.splice(0, t.times.length - rule.count);
    if (t.times.length >= rule.count) {
      t.active = true;
      const count = t.times.length;
      t.times = [];
      out.push({ rule, active: true, count, at: time });
    }
    return out;
  }

  /** Rules that have been quiet for their `quiet_for` by `now` clear. */
  expire(rules: LogRule[], now: number): RuleTransition[] {
    const out: RuleTransition[] = [];
    if (this.tracks.size === 0) return out; // the usual case, every second for every source
    for (const rule of rules) {
      const t = this.tracks.get(rule.id);
      if (t?.active && now - t.lastMatch >= rule.quietForMs) {
        t.active = false;
        out.push({ rule, active: false, count: 0, at: t.lastMatch + rule.quietForMs });
      }
    }
    return out;
  }

  /** Nothing remembered: no rule active, no match counting toward a threshold. */
  get empty(): boolean { return this.tracks.size === 0; }

  isActive(ruleId: string): boolean {
    return this.tracks.get(ruleId)?.active === true;
  }

  activeRules(): string[] {
    return [...this.tracks].filter(([, t]) => t.active).map(([id]) => id);
  }
}
