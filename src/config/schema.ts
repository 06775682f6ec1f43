/**
 * The one place where the config's shape, its defaults and its validation live.
 * Every key has its default here; `config/example.yaml` documents the same keys.
 * Objects are strict: an unknown key is an error, so a typo never silently drops a setting.
 */
import os from 'node:os';
import { z } from 'zod';
import { linearAnyProblem, linearRegexProblem } from '../linear-regex.js';
import { checkName, duration, httpUrl, regex, severity, userRegex } from '../schema/fields.js';
import { checkSchema } from '../checks/schemas.js';
import { sinkSchema } from '../alerts/sinks/schemas.js';
import { maintenanceWindowSchema } from '../alerts/maintenance.js';
import { parseHostPort } from '../schema/host-port.js';

const listenAddress = z.string().refine(
  (s) => { const hp = parseHostPort(s); return hp?.port !== undefined && (hp.bracketed || /^[A-Za-z0-9.-]+$/.test(hp.host)); },
  { error: (iss) => `expected HOST:PORT such as "127.0.0.1:9477", got ${JSON.stringify(iss.input)}` },
);

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


export const alertsSchema = z.strictObject({
  /** Consecutive failed runs before a check's alert fires (a check may override it). */
  failure_threshold: z.number().int().min(1).max(1000).default(2),
  /** Consecutive passing runs before a firing check's alert resolves. */
  success_threshold: z.number().int().min(1).max(1000).default(1),
  /** A still-firing alert is sent again this often. */
  repeat_interval: duration({ min: '1m', max: '30d' }).prefault('4h'),
  /** Link in every notification back to this monitor (its /status), e.g. https://monitor.example.net. */
  external_url: httpUrl.optional(),
  /**
   * Whether alerts carry `instance` (this monitor's name). Off for an HA pair: two monitors with
   * the same config then send identical alerts (the same labels, the same fingerprint), which an
   * Alertmanager cluster or PagerDuty de-duplicates; the instance stays on the metrics.
   */
  instance_label: z.boolean().default(true),
  sinks: z.array(sinkSchema).default([]),
  /** Scheduled maintenance: while a window is open, the alerts it matches are silenced. */
  maintenance: z.array(maintenanceWindowSchema).max(100).default([]),
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

/**
 * Names are identities (labels, state keys): a second one with the same name is an error at its
 * place. Read from the object as written, so that config loading can say it also when other
 * fields keep the schema from reaching its own checks.
 */
export function duplicateNames(input: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const out: Array<{ path: PropertyKey[]; message: string }> = [];
  const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined), o);
  const lists: Array<[string[], string, string]> = [
    [['checks'], 'name', 'check name'], [['logs', 'sources'], 'name', 'source name'], [['alerts', 'sinks'], 'name', 'sink name'],
    [['alerts', 'maintenance'], 'name', 'maintenance window name'], [['logs', 'rules'], 'id', 'rule id'],
  ];
  for (const [where, key, what] of lists) {
    const list = at(input, ...where);
    if (!Array.isArray(list)) continue;
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const name = at(item, key);
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else out.push({ path: [...where, i, key], message: `duplicate ${what} ${JSON.stringify(name)} (also ${where.join('.')}[${first}])` });
    });
  }
  return out;
}

/**
 * `GET /probe`: one probe run on demand, its result as metrics (probe_success, ...), so that a
 * Prometheus that already scales (sharding, HA pairs) can schedule the probes. Off by default.
 */
const probeEndpointSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /**
   * Hosts (or host:port, `[v6]:port`) that `?target=` may name; empty: `?target=` is refused, and
   * only the checks' own targets are probed (`?check=`, or `?module=` without a target).
   */
  allowed_targets: z.array(z.string().regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(?::(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/,
    'expected a host name or address, optionally with :port (no scheme, path or wildcard)')).default([]),
  /**
   * SSH runs through /probe per target per minute; more are refused (429), so that Foglet's login
   * rate limit does not ban the monitor's address.
   */
  ssh_per_minute: z.number().int().min(1).max(60).default(4),
});

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
  probe_endpoint: probeEndpointSchema.prefault({}),
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
  for (const d of duplicateNames(cfg)) ctx.addIssue({ code: 'custom', path: d.path, message: d.message });
  // Every event is first tested against all of a user's rules joined: their sizes add up.
  if (cfg.logs.rules.length > 1 && cfg.logs.rules.every((r) => !linearRegexProblem(r.pattern))) {
    const joined = linearAnyProblem(cfg.logs.rules.map((r) => ({ pattern: r.pattern, ignoreCase: r.ignore_case })));
    if (joined) ctx.addIssue({ code: 'custom', path: ['logs', 'rules'], message: `the rules together: ${joined}` });
  }
});

export type Config = z.output<typeof configSchema>;
export type { CheckConfig, CheckKind, HttpCheckConfig, SshCheckConfig, AppMetricsCheckConfig } from '../checks/schemas.js';
export type LogsConfig = z.output<typeof logsSchema>;
export type LogRuleConfig = z.output<typeof logRuleSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type { SinkConfig } from '../alerts/sinks/schemas.js';
export type LogSourceConfig = z.output<typeof logSourceSchema>;


