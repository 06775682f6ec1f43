/**
 * Probes run on demand, for Prometheus to schedule (blackbox_exporter's multi-target pattern):
 * `?check=NAME` runs a configured check once; `?module=NAME&target=...` runs it against another
 * target that `probe_endpoint.allowed_targets` names. The run shares the probe code, the
 * scheduler's concurrency cap, and a per-target SSH budget a minute that refuses with a clear
 * error instead of getting the prober's address banned by Foglet's login rate limit. Its result
 * is answered as metrics and recorded nowhere else: the scheduled checks own the alerts.
 */
import { formatHostPort, parseHostPort } from '../schema/host-port.js';
import client from 'prom-client';
import type { Config } from '../config/schema.js';
import type { CheckRegistry } from './index.js';
import { runProbe } from './runner.js';
import { checkSchema, type CheckConfig } from './schemas.js';
import type { ProbeDeps, ProbeResult } from './types.js';

export interface OnDemandDeps {
  config(): Config;
  kinds: CheckRegistry;
  probeDeps: ProbeDeps;
  /** Runs `fn` within the scheduler's concurrency cap; undefined when the checks are stopping. */
  withSlot<T>(fn: () => Promise<T>): Promise<T | undefined>;
  now?(): number;
}

export interface OnDemandAnswer {
  status: number;
  contentType: string;
  body: string;
}

const MINUTE = 60_000;

export class OnDemandProbes {
  /** SSH runs through /probe in the last minute, by host:port. */
  private readonly sshRuns = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly deps: OnDemandDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Runs /probe holds or waits for now: at most half the shared cap, so scheduled checks always run. */
  private running = 0;

  async probe(query: { check?: string; module?: string; target?: string }, signal?: AbortSignal): Promise<OnDemandAnswer> {
    const config = this.deps.config();
    const settings = config.probe_endpoint;
    if (!settings.enabled) return refuse(404, 'the probe endpoint is off (probe_endpoint.enabled: false)');
    const name = query.check ?? query.module;
    if (!name) return refuse(400, 'expected ?check=NAME, or ?module=NAME&target=TARGET');
    if (query.check && query.target) return refuse(400, 'a target goes with ?module=NAME, not ?check=NAME (which probes the check\'s own target)');
    const configured = config.checks.find((c) => c.name === name);
    if (!configured) return refuse(404, `no check named ${JSON.stringify(name)} in the config`);

    let check: CheckConfig = configured;
    let probeDeps = this.deps.probeDeps;
    if (query.target !== undefined) {
      const target = retarget(configured, query.target);
      if ('error' in target) return refuse(400, target.error);
      // A redirect could lead anywhere (and take the module's headers along): another target's
      // redirects are not followed, whatever the module says.
      if (check.kind === 'http') target.config.follow_redirects = false;
      const parsed = checkSchema.safeParse(target.config);
      if (!parsed.success) return refuse(400, `target ${JSON.stringify(query.target)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const allowed = settings.allowed_targets.map((a) => a.toLowerCase());
      if (!allowed.includes(target.host) && !allowed.includes(target.hostPort)) {
        return refuse(403, `target ${target.hostPort} is not in probe_endpoint.allowed_targets`);
      }
      check = parsed.data;
      // Another target's host key and scrape history are not the configured check's.
      probeDeps = { ...probeDeps, hostKeyPins: undefined, scrapeMemory: undefined };
    }

    const cap = Math.max(1, Math.floor(config.max_concurrent_probes / 2));
    if (this.running >= cap) {
      return refuse(429, `${cap} /probe run(s) already going (at most half of max_concurrent_probes, so that the scheduled checks keep theirs); try again`);
    }

    if (check.kind === 'ssh') {
      // By address as written, lower-cased: `localhost` and `127.0.0.1` are still two budgets (a
      // name is not resolved here), which allowed_targets keeps to names the user listed.
      const key = `${check.host.toLowerCase()}:${check.port}`;
      const now = this.now();
      const recent = (this.sshRuns.get(key) ?? []).filter((t) => now - t < MINUTE);
      if (recent.length >= settings.ssh_per_minute) {
        this.sshRuns.set(key, recent);
        return refuse(429, `SSH probe budget for ${key} spent: ${settings.ssh_per_minute} a minute (probe_endpoint.ssh_per_minute), so that Foglet's login rate limit does not ban this address; probe less often`);
      }
      recent.push(now);
      this.sshRuns.set(key, recent);
    }

    const probe = this.deps.kinds.create(check, probeDeps);
    this.running++;
    try {
      // A client that gave up (Prometheus' scrape timeout) takes its run with it, waiting or running.
      const result = await this.deps.withSlot(async () => (signal?.aborted ? undefined : runProbe(check, probe, signal)));
      if (signal?.aborted) return refuse(499, 'the client went away');
      if (!result) return refuse(503, 'the monitor is stopping or reloading; try again');
      return { status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: await exposition(result) };
    } finally {
      this.running--;
      await probe.close?.();
    }
  }
}

function refuse(status: number, message: string): OnDemandAnswer {
  return { status, contentType: 'text/plain; charset=utf-8', body: `${message}\n` };
}

/** The configured check pointed at `target`: a URL for http and app_metrics, host[:port] for ssh. */
function retarget(check: CheckConfig, target: string): { config: Record<string, unknown>; host: string; hostPort: string } | { error: string } {
  if (check.kind === 'ssh') {
    const hp = parseHostPort(target);
    if (!hp) return { error: `target ${JSON.stringify(target)}: expected host or host:port for an ssh module` };
    const host = hp.host.toLowerCase().replace(/\.$/, '');
    const port = hp.port ?? check.port;
    return { config: { ...rawOf(check), host, port }, host, hostPort: formatHostPort(host, port, hp.bracketed) };
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { error: `target ${JSON.stringify(target)}: expected an http:// or https:// URL for an ${check.kind} module` };
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { config: { ...rawOf(check), url: target }, host: url.hostname, hostPort: `${url.hostname}:${port}` };
}

/** A parsed check back to its config's shape (durations as strings), to parse it again with a new target. */
function rawOf(check: CheckConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(check)) as Record<string, unknown>;
}

/** The run as blackbox_exporter answers one: success, duration, phases, and the reason it failed. */
async function exposition(r: ProbeResult): Promise<string> {
  const registry = new client.Registry();
  new client.Gauge({ name: 'probe_success', help: 'Whether the probe succeeded (1) or failed (0).', registers: [registry] }).set(r.ok ? 1 : 0);
  new client.Gauge({ name: 'probe_duration_seconds', help: 'How long the probe took, in seconds.', registers: [registry] }).set(r.duration_seconds);
  const phases = new client.Gauge({ name: 'probe_phase_duration_seconds', help: 'Seconds spent in each phase of the probe that was reached.', labelNames: ['phase'], registers: [registry] });
  for (const [phase, s] of Object.entries(r.phases)) phases.set({ phase }, s);
  const reason = new client.Gauge({ name: 'probe_failure_reason', help: 'Why the probe failed: 1 for the reason (none when it passed).', labelNames: ['reason'], registers: [registry] });
  if (!r.ok && r.reason) reason.set({ reason: r.reason }, 1);
  return registry.metrics();
}
