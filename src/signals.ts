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
  evidence?: { lines?: string[]; screen?: string; [k: string]: unknown };
  /** ISO time of the observation. */
  at: string;
}

export function severityRank(s: Severity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}
