/**
 * The field types every part's config schema is built from (durations, schedules, names,
 * URLs, patterns) and the fields every check kind and every sink kind shares. A leaf: it
 * knows no part.
 */
import { z } from 'zod';
import cron from 'node-cron';
import { linearRegexProblem } from '../linear-regex.js';
import { Duration, parseDuration } from './duration.js';

export { Duration };

export const duration = (opts: { min?: string; max?: string } = {}) =>
  z.string({ error: 'expected a duration such as "15s" or "10m"' }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as "15s" or "10m", got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    const min = opts.min ? parseDuration(opts.min)! : undefined;
    const max = opts.max ? parseDuration(opts.max)! : undefined;
    if (min !== undefined && ms < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${opts.min}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    if (max !== undefined && ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${opts.max}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return new Duration(ms);
  });

/** A cron schedule as node-cron reads it; the error says which field is wrong and why (node-cron's own words). */
export const cronSchedule = z.string({ error: 'expected a cron schedule such as "*/15 * * * * *"' }).superRefine((s, ctx) => {
  const v = cron.validateDetailed(s);
  if (v.valid) return;
  const all = v.errors.map((e) => e.message).join('; ');
  const why = all.length > 300 ? `${all.slice(0, 300)}...` : all;
  ctx.addIssue({ code: 'custom', message: `expected a cron schedule (5 fields, or 6 with seconds first): ${why}, got ${shown(s)}` });
});

/** A value echoed in an error, cut so that a hostile one cannot flood the message. */
export function shown(value: string, max = 120): string {
  return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`;
}

/** A pattern of the built-in packs: V8's engine, each one proven linear by recheck in the test suite. */
export const regex = z.string().refine(
  (s) => { try { new RegExp(s, 'u'); return true; } catch { return false; } },
  { error: (iss) => `expected a regular expression, got ${shown(String(iss.input))} (${regexError(String(iss.input))})` },
);
function regexError(s: string): string {
  try { new RegExp(s, 'u'); return ''; } catch (e) { return (e as Error).message; }
}

/** A user's pattern: it must compile for the linear-time engine it will run on. */
export const userRegex = z.string().refine(
  (s) => linearRegexProblem(s) === undefined,
  { error: (iss) => `expected a regular expression, got ${shown(String(iss.input))}: ${linearRegexProblem(String(iss.input))}` },
);

export const checkName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a name of letters, digits, "_", "." or "-" (at most 64)');

/** Fields shared by every check kind: the scheduler and the runner own them. */
export const httpUrl = z.url({ protocol: /^https?$/, error: (iss) => (iss.input === undefined ? undefined : 'expected an http:// or https:// URL') }).refine((u) => {
  // Credentials in a URL are sent decoded: a bare "%" would fail every probe ("URI malformed"), so it fails here.
  let url: URL;
  try { url = new URL(u); } catch { return true; } // not a URL at all: said by the check above
  try { decodeURIComponent(url.username); decodeURIComponent(url.password); return true; } catch { return false; }
}, { error: 'the URL\'s user name or password has a "%" that starts no escape: write it as %25' });

/** Header values go on the wire as they are: a line break or control character would fail every probe, so it fails here. */
export const headerMap = z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'expected a header name (letters, digits, "-")'),
  z.string().refine((v) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(v), { error: 'a header value may not contain line breaks or control characters' }));
export const severity = z.enum(['critical', 'warning', 'info']);

/** One config schema for several kinds, chosen by `kind`; an unknown kind's error names them all. */
export function kindUnion<T extends readonly [z.ZodObject<{ kind: z.ZodLiteral<string> }>, ...Array<z.ZodObject<{ kind: z.ZodLiteral<string> }>>]>(schemas: T) {
  return z.discriminatedUnion('kind', schemas, { error: kindError(schemas.map((s) => s.shape.kind.value)) });
}

/** The error of a check or sink whose `kind` is none of `names`. */
export function kindError(names: readonly string[]) {
  return (iss: { code: string }) => iss.code === 'invalid_union' ? `expected kind to be one of: ${names.join(', ')}` : undefined;
}

/** What every sink has: its name, and which alerts it takes (all by default; each list narrows it). */
export const sinkCommon = {
  name: checkName,
  severities: z.array(severity).min(1).optional(),
  categories: z.array(z.string().min(1)).min(1).optional(),
  /** Label equality matchers, e.g. { check: ssh-login }. */
  labels: z.record(z.string(), z.string()).optional(),
  timeout: duration({ min: '100ms', max: '2m' }).prefault('10s'),
};

export const checkCommon = {
  name: checkName,
  /** Severity of this check's alert: critical pages, warning goes to chat, info is recorded. */
  severity: severity.default('critical'),
  /** Per-check overrides of alerts.failure_threshold and alerts.success_threshold. */
  failure_threshold: z.number().int().min(1).max(1000).optional(),
  success_threshold: z.number().int().min(1).max(1000).optional(),
  schedule: cronSchedule.default('*/15 * * * * *'),
  timeout: duration({ min: '100ms', max: '5m' }).prefault('10s'),
  /** A random delay before each run, so that many monitors do not probe in lockstep. */
  jitter: duration({ max: '1m' }).prefault('0s'),
};

/**
 * `degraded_after`: a run that passes but takes longer is degraded, a warning alert of its
 * own (reason `slow`), as Gatus's `[RESPONSE_TIME] < 500`. A duration is the whole run's;
 * a mapping gives `total` and any of the kind's phases (`screen`: the SSH login screen).
 */
export function degradedAfter<P extends string>(phases: readonly P[]) {
  const limit = () => duration({ min: '1ms', max: '5m' }).optional();
  const shape = { total: limit(), ...Object.fromEntries(phases.map((p) => [p, limit()])) } as { total: ReturnType<typeof limit> } & Record<P, ReturnType<typeof limit>>;
  return z.union([
    duration({ min: '1ms', max: '5m' }).transform((total) => ({ total, phases: {} as Partial<Record<P, Duration>> })),
    z.strictObject(shape).transform((given) => {
      const { total, ...rest } = given as { total?: Duration } & Record<string, Duration | undefined>;
      return { total, phases: rest as Partial<Record<P, Duration>> };
    }),
  ], { error: (iss) => iss.code === 'invalid_union' ? `expected a duration such as "2s", or a mapping of total and phases (${phases.join(', ')}) to durations` : undefined }).optional();
}

/** A degraded_after limit at or past the timeout could never be seen: the run would time out first. */
export function degradedBelowTimeout(c: { timeout: Duration; degraded_after?: { total?: Duration; phases: Record<string, Duration | undefined> } }, ctx: z.RefinementCtx): void {
  if (!c.degraded_after) return;
  for (const [name, limit] of [['total', c.degraded_after.total], ...Object.entries(c.degraded_after.phases)] as Array<[string, Duration | undefined]>) {
    if (limit && limit.ms >= c.timeout.ms) {
      ctx.addIssue({ code: 'custom', path: ['degraded_after', ...(name === 'total' ? [] : [name])], message: `must be below the check's timeout (${c.timeout}), got ${limit}` });
    }
  }
}
