/**
 * A validated value as JSON and back, its Durations kept: what the build checks once with the
 * schema (the built-in packs, the default logs settings) is read at start without it. The
 * schema and its library were a fifth of a command's start-up.
 */
import { Duration } from './duration.js';

export function freezeJson(value: unknown): string {
  // `this[key]` is the value before its toJSON (a Duration prints as "15s").
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Duration ? { $duration_ms: raw.ms } : v;
  });
}

export function thawJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $duration_ms?: unknown }).$duration_ms === 'number'
      ? new Duration((v as { $duration_ms: number }).$duration_ms)
      : v);
}
