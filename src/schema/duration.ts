/**
 * Durations are written as strings (`15s`, `10m`, `1h30m`, `250ms`) as in Prometheus
 * and Go; bare numbers are refused because "30" is ambiguous between seconds and ms.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!WHOLE.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(ms);
}

/** The shortest readable form, used when printing a resolved config. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  let rest = ms / 1000;
  let out = '';
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) { out += `${n}${unit}`; rest -= n * size; }
  }
  return out;
}

/** A parsed duration; prints back as the string form (`15s`) when the config is shown. */
export class Duration {
  constructor(readonly ms: number) {}
  get seconds(): number { return this.ms / 1000; }
  toJSON(): string { return formatDuration(this.ms); }
  toString(): string { return formatDuration(this.ms); }
}
