/**
 * The one place where the config's shape, its defaults and its validation live.
 * Every key has its default here; `config/example.yaml` documents the same keys.
 * Objects are strict: an unknown key is an error, so a typo never silently drops a setting.
 */
import os from 'node:os';
import { z } from 'zod';
import { linearAnyProblem, linearRegexProblem } from '../linear-regex.js';
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

/** A pattern of the built-in packs: V8's engine, each one proven linear by recheck in the test suite. */
const regex = z.string().refine(
  (s) => { try { new RegExp(s, 'u'); return true; } catch { return false; } },
  { error: (iss) => `expected a regular expression, got ${JSON.stringify(iss.input)} (${regexError(String(iss.input))})` },
);
function regexError(s: string): string {
  try { new RegExp(s, 'u'); return ''; } catch (e) { return (e as Error).message; }
}

/** A user's pattern: it must compile for the linear-time engine it will run on. */
const userRegex = z.string().refine(
  (s) => linearRegexProblem(s) === undefined,
  { error: (iss) => `expected a regular expression, got ${JSON.stringify(iss.input)}: ${linearRegexProblem(String(iss.input))}` },
);

const checkName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a name of letters, digits, "_", "." or "-" (at most 64)');

const listenAddress = z.string().refine(
  (s) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(s) && Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535,
  { error: (iss) => `expected HOST:PORT such as "127.0.0.1:9477", got ${JSON.stringify(iss.input)}` },
);

/** Fields shared by every check kind: the scheduler and the runner own them. */
const httpUrl = z.url({ protocol: /^https?$/, error: (iss) => (iss.input === undefined ? undefined : 'expected an http:// or https:// URL') }).refine((u) => {
  // Credentials in a URL are sent decoded: a bare "%" would fail every probe ("URI malformed"), so it fails here.
  let url: URL;
  try { url = new URL(u); } catch { return true; } // not a URL at all: said by the check above
  try { decodeURIComponent(url.username); decodeURIComponent(url.password); return true; } catch { return false; }
}, { error: 'the URL\'s user name or password has a "%" that starts no escape: write it as %25' });

/** Header values go on the wire as they are: a line break or control character would fail every probe, so it fails here. */
const headerMap = z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'expected a header name (letters, digits, "-")'),
  z.string().refine((v) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(v), { error: 'a header value may not contain line breaks or control characters' }));
export const severity = z.enum(['critical', 'warning', 'info']);

const checkCommon = {
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
function degradedAfter<P extends string>(phases: readonly P[]) {
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
function degradedBelowTimeout(c: { timeout: Duration; degraded_after?: { total?: Duration; phases: Record<string, Duration | undefined> } }, ctx: z.RefinementCtx): void {
  if (!c.degraded_after) return;
  for (const [name, limit] of [['total', c.degraded_after.total], ...Object.entries(c.degraded_after.phases)] as Array<[string, Duration | undefined]>) {
    if (limit && limit.ms >= c.timeout.ms) {
      ctx.addIssue({ code: 'custom', path: ['degraded_after', ...(name === 'total' ? [] : [name])], message: `must be below the check's timeout (${c.timeout}), got ${limit}` });
    }
  }
}

export const httpCheckSchema = z.strictObject({
  ...checkCommon,
  kind: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD']).default('GET'),
  headers: headerMap.default({}),
  follow_redirects: z.boolean().default(false),
  /** The body is read up to this many bytes; an endless body cannot hold the probe. */
  max_body_bytes: z.number().int().min(0).max(64 * 1024 * 1024).default(1024 * 1024),
  expect: z.strictObject({
    status: z.array(z.number().int().min(100).max(599)).min(1).default([200]),
    body: userRegex.optional(),
  }).prefault({}),
  tls: z.strictObject({
    /** A PEM file of CAs to trust in addition to the system's (for a private or self-signed CA). */
    ca_file: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    server_name: z.string().optional(),
  }).prefault({}),
  degraded_after: degradedAfter(['dns', 'connect', 'tls', 'processing', 'transfer'] as const),
}).superRefine(degradedBelowTimeout);

const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'expected an OpenSSH fingerprint such as "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"');

/** A plain string is found anywhere on the rendered screen; "/.../flags" is a regular expression. */
const screenPattern = z.string().min(1).refine(
  (s) => screenPatternProblem(s) === undefined,
  { error: (iss) => `expected text, or a regular expression written /.../flags, got ${JSON.stringify(iss.input)}: ${screenPatternProblem(String(iss.input))}` },
);
function screenPatternProblem(s: string): string | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(s);
  return m ? linearRegexProblem(m[1]!, m[2]) : undefined;
}

const SSH_PHASE_KEYS = ['connect', 'handshake', 'auth', 'session', 'screen'] as const;

export const sshCheckSchema = z.strictObject({
  ...checkCommon,
  // Foglet shares a 10-per-minute channel budget per IP (through Fly's proxy, with
  // every caller): one probe every 30 s uses 2 of it.
  schedule: cronSchedule.default('*/30 * * * * *'),
  timeout: duration({ min: '100ms', max: '5m' }).prefault('20s'),
  kind: z.literal('ssh'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  /** Foglet ignores the SSH user name; OpenSSH servers do not. */
  username: z.string().min(1).default('probe'),
  /** OpenSSH or PEM private key (ed25519, ecdsa, RSA). Neither this nor private_key: an ephemeral key, a guest. */
  private_key_file: z.string().min(1).optional(),
  /** The key itself, usually "${FOGLET_PROBE_KEY}". */
  private_key: z.string().min(1).optional(),
  passphrase: z.string().optional(),
  /** The pin: one fingerprint or a list (rotation); "tofu" pins the first key seen; "any" does not pin. */
  host_key: z.union([z.enum(['tofu', 'any']), fingerprint, z.array(fingerprint).min(1)], {
    error: (iss) => iss.code === 'invalid_union' ? 'expected "tofu", "any", a "SHA256:..." fingerprint or a list of them' : undefined,
  }).default('tofu'),
  /** Host key algorithms to offer, in order; ssh2's defaults when unset. Pin the key of the first one the server has. */
  host_key_algorithms: z.array(z.string().min(1)).min(1).optional(),
  terminal: z.strictObject({
    cols: z.number().int().min(20).max(500).default(100),
    rows: z.number().int().min(5).max(200).default(30),
    term: z.string().min(1).default('xterm-256color'),
  }).prefault({}),
  expect_screen: screenPattern,
  /** The in-TUI password login: wait for prompt, press key, fill Handle and Password, expect expect_screen. */
  login: z.strictObject({
    handle: z.string().min(1),
    password: z.string().min(1),
    prompt: screenPattern.default('L Login'),
    key: z.string().min(1).default('L'),
    form: screenPattern.default('Handle:'),
  }).optional(),
  /** Keys sent after the screen matched, before the channel is closed (Foglet's home screen: "q"). */
  quit_keys: z.string().default(''),
  /** The most a server may send before the screen matches: a flood fails the probe, it does not stall it. */
  max_output_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Optional per-phase budgets inside the overall timeout. */
  phase_timeouts: z.strictObject(Object.fromEntries(SSH_PHASE_KEYS.map((k) => [k, duration({ min: '10ms', max: '5m' }).optional()])) as
    Record<(typeof SSH_PHASE_KEYS)[number], z.ZodOptional<ReturnType<typeof duration>>>).prefault({}),
  degraded_after: degradedAfter(SSH_PHASE_KEYS),
}).superRefine((c, ctx) => {
  if (c.private_key && c.private_key_file) {
    ctx.addIssue({ code: 'custom', path: ['private_key'], message: 'set private_key or private_key_file, not both' });
  }
  degradedBelowTimeout(c, ctx);
});

/**
 * `kind: app_metrics`: Foglet's own Prometheus endpoint (private port 9091). Each
 * threshold's default and the reason for it are in config/example.yaml.
 */
export const appMetricsCheckSchema = z.strictObject({
  ...checkCommon,
  // Not on the SSH path: a broken scrape is worth a chat message, not a page.
  severity: severity.default('warning'),
  schedule: cronSchedule.default('*/30 * * * * *'),
  timeout: duration({ min: '100ms', max: '5m' }).prefault('5s'),
  kind: z.literal('app_metrics'),
  url: httpUrl,
  headers: headerMap.default({}),
  /** A scrape larger than this fails with protocol_error: Foglet's is a few kilobytes. */
  max_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Severity of the findings below (sessions near the cap, auth failures, ...). */
  finding_severity: severity.default('warning'),
  thresholds: z.strictObject({
    /** foglet_ssh_sessions_active{kind="total"} at or above this: Foglet turns callers away at 500. */
    sessions_active: z.number().int().min(1).max(100_000).default(450),
    /** Share of SSH auth outcomes that are not a success, between two scrapes... */
    auth_failure_ratio: z.number().min(0).max(1).default(0.5),
    /** ...counted only when at least this many outcomes came in between them. */
    auth_min_attempts: z.number().int().min(1).max(1_000_000).default(20),
    /** The outcome label values that count as a success. */
    auth_success_outcomes: z.array(z.string().min(1)).min(1).default(['success', 'ok']),
    /** Session replacements per minute: probes or clients that do not close cleanly. */
    session_replacements_per_minute: z.number().min(0).max(1_000_000).default(5),
    /** Door launch errors between two scrapes (foglet_door_launches_total{outcome="error"}). */
    door_launch_errors: z.number().int().min(1).max(1_000_000).default(1),
    /** Mean Repo queue time between two scrapes: the database pool is saturated. */
    repo_queue_seconds: z.number().min(0).max(3600).default(0.05),
    /** The VM's memory, and the share of it foglet_vm_memory_bytes may reach. */
    memory_limit_bytes: z.number().int().min(1).default(1024 * 1024 * 1024),
    memory_ratio: z.number().min(0).max(1).default(0.85),
    /** Counter resets (restarts) within `window` that make a restart loop (critical). */
    restart_loop: z.strictObject({
      restarts: z.number().int().min(2).max(1000).default(3),
      window: duration({ min: '1m', max: '24h' }).prefault('10m'),
      severity: severity.default('critical'),
    }).prefault({}),
  }).prefault({}),
});

export const checkSchema = z.discriminatedUnion('kind', [httpCheckSchema, sshCheckSchema, appMetricsCheckSchema], {
  error: (iss) => iss.code === 'invalid_union' ? 'expected kind to be one of: http, ssh, app_metrics' : undefined,
});


/** A log rule, as in the built-in packs and in `logs.rules`. */
export const logRuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'expected an id of lower-case letters, digits, "_", "." or "-"'),
  category: z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a category of lower-case letters, digits and "_"'),
  severity,
  pattern: regex,
  /** An event that also matches this is not the rule's fault (a client's own doing, say): it is not counted. */
  unless: regex.optional(),
  /**
   * Only while a context of the rule packs holds for the source (`migrating`: migrations are
   * running), or with `!`, only while it does not: the same Postgrex error is a failed
   * migration during `migrate` and a database error at any other time.
   */
  context: z.string().regex(/^!?[a-z_]{1,32}$/, 'expected a context name such as "migrating", or "!migrating" for outside it').optional(),
  ignore_case: z.boolean().default(false),
  /** How many matches within `window` before the rule signals. */
  threshold: z.strictObject({
    count: z.number().int().min(1).max(100_000).default(1),
    window: duration({ min: '1s', max: '24h' }).prefault('1m'),
  }).prefault({}),
  /** How long without a match before the signal clears. */
  quiet_for: duration({ min: '1s', max: '7d' }).prefault('10m'),
  summary: z.string().optional(),
});

/** A user's own rule (logs.rules, `scan --rules`): its pattern runs on the linear-time engine. */
export const userLogRuleSchema = logRuleSchema.extend({ pattern: userRegex, unless: userRegex.optional() });

const sourceCommon = { name: checkName };

export const logSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...sourceCommon,
    kind: z.literal('file'),
    path: z.string().min(1),
    /** Where to start in a file never seen before; a file seen before resumes at its saved offset. */
    from: z.enum(['end', 'beginning']).default('end'),
    /**
     * How often the file is checked where file-system events are not to be had (a directory
     * that does not exist yet, a network file system) and while a rotated file is still
     * followed; with events, a slow safety poll (a stat a minute) is all an idle file costs.
     */
    poll_interval: duration({ min: '10ms', max: '1m' }).prefault('250ms'),
    /** A rotated file is read until it has been quiet this long (a writer that has not reopened yet). */
    rotate_wait: duration({ min: '0s', max: '1h' }).prefault('5s'),
  }),
  z.strictObject({
    ...sourceCommon,
    kind: z.literal('command'),
    command: z.array(z.string().min(1)).min(1),
    env: z.record(z.string(), z.string()).default({}),
    restart_backoff: z.strictObject({
      initial: duration({ min: '10ms', max: '1h' }).prefault('1s'),
      max: duration({ min: '10ms', max: '1h' }).prefault('1m'),
    }).prefault({}),
  }),
  z.strictObject({
    ...sourceCommon,
    kind: z.literal('http'),
    /** Bearer token the log shipper sends to POST /api/logs. */
    token: z.string().min(16, 'expected a token of at least 16 characters'),
    max_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  }),
], { error: (iss) => iss.code === 'invalid_union' ? 'expected kind to be one of: file, command, http' : undefined });

const ruleOverride = z.strictObject({
  enabled: z.boolean().optional(),
  severity: severity.optional(),
  threshold: z.strictObject({
    count: z.number().int().min(1).max(100_000),
    window: duration({ min: '1s', max: '24h' }),
  }).optional(),
  quiet_for: duration({ min: '1s', max: '7d' }).optional(),
});

export const logsSchema = z.strictObject({
  sources: z.array(logSourceSchema).default([]),
  /** Built-in rule packs to use; [] turns them off. */
  rule_packs: z.array(z.enum(['foglet'])).default(['foglet']),
  /** Per pack rule, by id: turn it off or change its severity, threshold or quiet_for. */
  rule_overrides: z.record(z.string(), ruleOverride).default({}),
  rules: z.array(userLogRuleSchema).default([]),
  restart_loop: z.strictObject({
    enabled: z.boolean().default(true),
    /** A loop: at least `starts` boots within `window`, none of which ran longer than `min_uptime`. */
    starts: z.number().int().min(2).max(1000).default(3),
    window: duration({ min: '10s', max: '24h' }).prefault('10m'),
    min_uptime: duration({ min: '1s', max: '24h' }).prefault('10m'),
    severity: severity.default('critical'),
  }).prefault({}),
  /** Longer lines are cut here (and counted). */
  max_line_bytes: z.number().int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  /** Lines before a match kept as evidence. */
  context_lines: z.number().int().min(0).max(100).default(3),
});


/** Which alerts a sink takes: all by default; each list narrows it. */
const sinkCommon = {
  name: checkName,
  severities: z.array(severity).min(1).optional(),
  categories: z.array(z.string().min(1)).min(1).optional(),
  /** Label equality matchers, e.g. { check: ssh-login }. */
  labels: z.record(z.string(), z.string()).optional(),
  timeout: duration({ min: '100ms', max: '2m' }).prefault('10s'),
};

export const sinkSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...sinkCommon,
    kind: z.literal('webhook'),
    url: httpUrl,
    /** Shared secret for the X-Foglet-Signature header: sha256=HMAC-SHA256(secret, body), hex. */
    secret: z.string().min(8).optional(),
    headers: headerMap.default({}),
  }),
  z.strictObject({
    ...sinkCommon,
    kind: z.literal('slack'),
    url: httpUrl,
  }),
  z.strictObject({
    ...sinkCommon,
    kind: z.literal('pagerduty'),
    routing_key: z.string().min(8),
    url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  }),
  z.strictObject({
    ...sinkCommon,
    kind: z.literal('alertmanager'),
    url: httpUrl,
    /** Firing alerts are pushed again this often: well inside Alertmanager's resolve_timeout (5m). */
    resend_interval: duration({ min: '1s', max: '2m' }).prefault('1m'),
    /** A resolve is pushed again for this long, in case one push was lost. */
    resolve_resend_for: duration({ min: '0s', max: '1h' }).prefault('5m'),
  }),
], { error: (iss) => iss.code === 'invalid_union' ? 'expected kind to be one of: webhook, slack, pagerduty, alertmanager' : undefined });

export const alertsSchema = z.strictObject({
  /** Consecutive failed runs before a check's alert fires (a check may override it). */
  failure_threshold: z.number().int().min(1).max(1000).default(2),
  /** Consecutive passing runs before a firing check's alert resolves. */
  success_threshold: z.number().int().min(1).max(1000).default(1),
  /** A still-firing alert is sent again this often. */
  repeat_interval: duration({ min: '1m', max: '30d' }).prefault('4h'),
  /** Link in every notification back to this monitor (its /status), e.g. https://monitor.example.net. */
  external_url: httpUrl.optional(),
  sinks: z.array(sinkSchema).default([]),
  delivery: z.strictObject({
    /** First retry after this long, doubling (with jitter) up to max_backoff. */
    initial_backoff: duration({ min: '10ms', max: '10m' }).prefault('1s'),
    max_backoff: duration({ min: '10ms', max: '1h' }).prefault('5m'),
    /** A notification still undelivered after this long is dropped (and counted). */
    max_age: duration({ min: '1m', max: '7d' }).prefault('24h'),
    /** Notifications kept waiting, all sinks together; beyond it the oldest are dropped (and counted). */
    max_queue: z.number().int().min(10).max(1_000_000).default(10_000),
    /**
     * A sink whose deliveries have all failed for this long is failing: FogletMonitorSinkFailing
     * goes out through the other sinks. A sink that rejects or loses a change is failing at once.
     */
    failing_after: duration({ min: '1s', max: '1d' }).prefault('2m'),
  }).prefault({}),
});

/** Names are identities (labels, state keys): a second one with the same name is an error at its place. */
function uniqueNames(items: Array<{ name: string }>, at: string[], what: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...at, i, 'name'], message: `duplicate ${what} name ${JSON.stringify(item.name)} (also ${at.join('.')}[${first}])` });
    } else seen.set(item.name, i);
  });
}

export const configSchema = z.strictObject({
  /** Label on every alert and metric that names this monitor (one per region). */
  instance: z.string().min(1).default(os.hostname()),
  listen: listenAddress.default('127.0.0.1:9477'),
  /**
   * Connections the HTTP server keeps open at most; beyond it new ones are refused (and
   * counted), so a flood of idle connections cannot take the descriptors that probes,
   * log files and the state file need.
   */
  max_connections: z.number().int().min(8).max(100_000).default(256),
  state_file: z.string().min(1).default('./data/state.json'),
  /** Probes running at once; more that are due wait their turn (their timeout starts with their turn). */
  max_concurrent_probes: z.number().int().min(1).max(10_000).default(25),
  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  }).prefault({}),
  checks: z.array(checkSchema).default([]),
  logs: logsSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  releases: z.strictObject({
    /** After a `finished` mark (or a boot seen without marks), the deploy window stays open this long. */
    grace: duration({ min: '0s', max: '1h' }).prefault('5m'),
    /** After `finished`, the checklist is watched this long and the release gets a verdict. */
    watch_for: duration({ min: '0s', max: '24h' }).prefault('15m'),
    /** During the watch every check runs this often (raised so SSH probes stay under 8 a minute: Foglet allows 10). */
    watch_interval: duration({ min: '1s', max: '59s' }).prefault('10s'),
    /** A `started` mark without `finished` holds alerts back at most this long. */
    max_window: duration({ min: '1m', max: '6h' }).prefault('30m'),
    /** Each release mark is also sent here, so the pager and the dashboards show when releases landed. */
    announce: z.strictObject({
      /** A PagerDuty change event (Events API v2) per mark. */
      pagerduty: z.strictObject({
        routing_key: z.string().min(8),
        url: httpUrl.default('https://events.pagerduty.com/v2/change/enqueue'),
      }).optional(),
      /** A Grafana annotation (HTTP API, POST /api/annotations) per mark. */
      grafana: z.strictObject({
        url: httpUrl,
        /** A service account token with annotation rights. */
        token: z.string().min(8),
        tags: z.array(z.string()).default(['foglet', 'release']),
      }).optional(),
    }).prefault({}),
    /**
     * Inside a deploy window these page at once too, besides what never waits (release/window.ts:
     * restart loops, failed migrations, missing secrets, host-key changes, a crash after a second boot).
     */
    page_at_once: z.strictObject({
      categories: z.array(z.string().min(1)).default([]),
      reasons: z.array(z.string().min(1)).default([]),
    }).prefault({}),
  }).prefault({}),
  evidence: z.strictObject({
    /** When an alert fires or a release fails, write a bundle (matched lines with context, the last screen, the probe timeline, the redacted config) here. */
    enabled: z.boolean().default(true),
    /** Default: `evidence/` beside the state file. Relative paths are relative to the config file's directory. */
    dir: z.string().min(1).optional(),
    /** Bundles kept; the oldest go first. */
    keep: z.number().int().min(1).max(10_000).default(50),
  }).prefault({}),
  api: z.strictObject({
    /** Bearer token for the write API (/api/silences, /api/releases); unset, that API answers 403. */
    token: z.string().min(16, 'expected a token of at least 16 characters').optional(),
  }).prefault({}),
}).superRefine((cfg, ctx) => {
  uniqueNames(cfg.checks, ['checks'], 'check', ctx);
  uniqueNames(cfg.logs.sources, ['logs', 'sources'], 'source', ctx);
  uniqueNames(cfg.alerts.sinks, ['alerts', 'sinks'], 'sink', ctx);
  const ids = new Set<string>();
  cfg.logs.rules.forEach((r, i) => {
    if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['logs', 'rules', i, 'id'], message: `duplicate rule id ${JSON.stringify(r.id)}` });
    ids.add(r.id);
  });
  // Every event is first tested against all of a user's rules joined: their sizes add up.
  if (cfg.logs.rules.length > 1 && cfg.logs.rules.every((r) => !linearRegexProblem(r.pattern))) {
    const joined = linearAnyProblem(cfg.logs.rules.map((r) => ({ pattern: r.pattern, ignoreCase: r.ignore_case })));
    if (joined) ctx.addIssue({ code: 'custom', path: ['logs', 'rules'], message: `the rules together: ${joined}` });
  }
});

export type Config = z.output<typeof configSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
export type SshCheckConfig = z.output<typeof sshCheckSchema>;
export type AppMetricsCheckConfig = z.output<typeof appMetricsCheckSchema>;
export type CheckKind = CheckConfig['kind'];
export type LogsConfig = z.output<typeof logsSchema>;
export type LogRuleConfig = z.output<typeof logRuleSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type SinkConfig = z.output<typeof sinkSchema>;
export type LogSourceConfig = z.output<typeof logSourceSchema>;


