/**
 * Catastrophic backtracking in a user's own log rule: one hostile or merely huge log
 * line through such a regex stalls the whole monitor (one thread: probes and alerts
 * wait too). recheck, a ReDoS checker, proves a regex linear or finds an attack
 * string; `config check` runs it over the user's rules (the built-in pack is checked by
 * the test suite). Loaded only when asked: it is large and its first check is slow.
 */
export interface SlowPattern {
  /** Index in logs.rules. */
  index: number;
  id: string;
  /** "2nd degree polynomial", "exponential", ... */
  complexity: string;
  /** A short input that shows it, when the checker found one. */
  attack?: string;
}

export async function slowPatterns(rules: Array<{ id: string; pattern: string; ignore_case?: boolean }>): Promise<SlowPattern[]> {
  if (rules.length === 0) return [];
  const { check } = await import('recheck');
  const out: SlowPattern[] = [];
  for (const [index, rule] of rules.entries()) {
    const r = await check(rule.pattern, rule.ignore_case ? 'iu' : 'u', { timeout: 10_000 });
    if (r.status !== 'vulnerable') continue;
    const pump = r.attack.pumps[0];
    out.push({ index, id: rule.id, complexity: r.complexity.summary, ...(pump ? { attack: `${pump.prefix}${pump.pump.repeat(3)}…` } : {}) });
  }
  return out;
}
