/**
 * The one place where the config's shape, its defaults and its validation live.
 * Every key has its default here; `config/example.yaml` documents the same keys.
 * Objects are strict: an unknown key is an error, so a typo never silently drops a setting.
 */
import os from 'node:os';
import { z } from 'zod';
import cron from 'node-cron';
import { parseDuration, formatDuration } from './duration.js';

/** A parsed duration; prints back as the string form (`15s`) when the config is shown. */
export class Duration {
  constructor(readonly ms: number) {}
  get seconds(): number { return this.ms / 1000; }
  toJSON(): string { return formatDuration(this.ms); }
  toString(): string { return formatDuration(this.ms); }
}

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

const cronSchedule = z.string({ error: 'expected a cron schedule such as "*/15 * * * * *"' }).refine(
  (s) => cron.validate(s),
  { error: (iss) => `expected a cron schedule with 5 or 6 fields (seconds first), got ${JSON.stringify(iss.input)}` },
);

const regex = z.string().refine(
  (s) => { try { new RegExp(s, 'u'); return true; } catch { return false; } },
  { error: (iss) => `expected a regular expression, got ${JSON.stringify(iss.input)} (${regexError(String(iss.input))})` },
);
function regexError(s: string): string {
  try { new RegExp(s, 'u'); return ''; } catch (e) { return (e as Error).message; }
}

const checkName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a name of letters, digits, "_", "." or "-" (at most 64)');

const listenAddress = z.string().refine(
  (s) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(s) && Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535,
  { error: (iss) => `expected HOST:PORT such as "127.0.0.1:9477", got ${JSON.stringify(iss.input)}` },
);

/** Fields shared by every check kind: the scheduler and the runner own them. */
const checkCommon = {
  name: checkName,
  schedule: cronSchedule.default('*/15 * * * * *'),
  timeout: duration({ min: '100ms', max: '5m' }).prefault('10s'),
  /** A random delay before each run, so that many monitors do not probe in lockstep. */
  jitter: duration({ max: '1m' }).prefault('0s'),
};

export const httpCheckSchema = z.strictObject({
  ...checkCommon,
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: (iss) => (iss.input === undefined ? undefined : 'expected an http:// or https:// URL') }),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  follow_redirects: z.boolean().default(false),
  /** The body is read up to this many bytes; an endless body cannot hold the probe. */
  max_body_bytes: z.number().int().min(0).max(64 * 1024 * 1024).default(1024 * 1024),
  expect: z.strictObject({
    status: z.array(z.number().int().min(100).max(599)).min(1).default([200]),
    body: regex.optional(),
  }).prefault({}),
  tls: z.strictObject({
    /** A PEM file of CAs to trust in addition to the system's (for a private or self-signed CA). */
    ca_file: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    server_name: z.string().optional(),
  }).prefault({}),
});

export const checkSchema = z.discriminatedUnion('kind', [httpCheckSchema], {
  error: (iss) => iss.code === 'invalid_union' ? 'expected kind to be one of: http' : undefined,
});

export const configSchema = z.strictObject({
  /** Label on every alert and metric that names this monitor (one per region). */
  instance: z.string().min(1).default(os.hostname()),
  listen: listenAddress.default('127.0.0.1:9477'),
  state_file: z.string().min(1).default('./data/state.json'),
  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  }).prefault({}),
  checks: z.array(checkSchema).default([]),
}).superRefine((cfg, ctx) => {
  const seen = new Map<string, number>();
  cfg.checks.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `duplicate check name ${JSON.stringify(c.name)} (also checks[${first}])` });
    } else seen.set(c.name, i);
  });
});

export type Config = z.output<typeof configSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
export type CheckKind = CheckConfig['kind'];

/**
 * Key names whose values are secrets wherever they appear: they are redacted from
 * `config check`, /status, logs and metrics. Sinks and SSH fields use these names too.
 */
export const SECRET_KEY = /(password|passphrase|secret|token|routing[-_]?key|private[-_]?key|api[-_]?key|authorization|cookie)$/i;
