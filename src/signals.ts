/**
 * A Signal is what checks and log rules hand to the alert engine (DESIGN.md): one
 * observation about one identity (`key`), failing or back to normal, with what a
 * person needs to act on it. Signals carry no secret: producers redact evidence.
 */
export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES = ['critical', 'warning', 'info'] as const;

export interface Signal {
  /** `probe`, `log`, `release` (a post-release verdict) or `monitor` (the monitor's own health): who produced it. */
  source: 'probe' | 'log' | 'release' | 'monitor';
  /** Stable identity: `check:<name>`, `log:<source>:<rule>`. */
  key: string;
  /** false: the problem is present; true: it has cleared. */
  ok: boolean;
  severity: Severity;
  /** Log category or probe kind (DESIGN.md vocabularies). */
  category: string;
  /** Probe failure reason, or log rule id. */
  reason: string;
  /** One readable line: what broke, where. */
  summary: string;
  labels: Record<string, string>;
  evidence?: SignalEvidence;
  /** ISO time of the observation. */
  at: string;
}

/** What a signal shows for itself, each field with one meaning whoever sets it (redacted by its producer). */
export interface SignalEvidence {
  /** Log lines (the event and the lines before it), or a release verdict's items. */
  lines?: string[];
  /** The 1-based line of its log source where the event starts. */
  line?: number;
  /** The last terminal screen an SSH check saw. */
  screen?: string;
  /** What to do: the rule pack's summary, or the release runbook. */
  runbook?: string;
  /** A restart loop's boots, ISO times. */
  boots?: string[];
  /** A metrics finding's value and the threshold it crossed. */
  value?: number;
  threshold?: number;
}

export function severityRank(s: Severity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}

/** How many failing (then passing) observations in a row move a signal's alert: the engine's, and what a check result carries. */
export interface Thresholds {
  failure: number;
  success: number;
}
