/** `kind: ssh`: the login path to Foglet's first screen, and the host key it was offered. */
import client from 'prom-client';
import type { CheckKindDescriptor, KindMetrics, ProbeResult } from '../types.js';
import { createSshProbe } from './probe.js';
import { SSH_PHASE_KEYS, sshCheckSchema, type SshCheckConfig } from './schema.js';

export const sshCheck = {
  kind: 'ssh',
  schema: sshCheckSchema,
  phases: SSH_PHASE_KEYS,
  reasons: ['timeout', 'dns_error', 'connect_refused', 'connect_error', 'handshake_failed', 'hostkey_mismatch', 'auth_failed',
    'session_rejected', 'rate_limited', 'connection_limit', 'screen_mismatch', 'screen_timeout', 'terminal_too_small',
    'protocol_error'],
  create: createSshProbe,
  metrics: (registry) => new HostKeyMetrics(registry),
} as const satisfies CheckKindDescriptor<SshCheckConfig>;

/** The host key each check was offered, and when the pinned one was last seen. */
class HostKeyMetrics implements KindMetrics {
  private readonly info: client.Gauge<'check' | 'algorithm' | 'fingerprint'>;
  private readonly lastMatch: client.Gauge<'check'>;
  /** The labels of each check's current series, so a new key replaces it rather than adding one. */
  private readonly current = new Map<string, { check: string; algorithm: string; fingerprint: string }>();

  constructor(registry: client.Registry) {
    this.info = new client.Gauge({
      name: 'foglet_monitor_ssh_host_key_info', help: 'Always 1; labels carry the host key the server offered on the last run.',
      labelNames: ['check', 'algorithm', 'fingerprint'] as const, registers: [registry],
    });
    this.lastMatch = new client.Gauge({
      name: 'foglet_monitor_ssh_host_key_last_match_timestamp_seconds', help: 'Unix time the server last offered the pinned host key.',
      labelNames: ['check'] as const, registers: [registry],
    });
  }

  configure(): void {
    this.info.reset();
    this.lastMatch.reset();
    this.current.clear();
  }

  record(r: ProbeResult): void {
    const hostKey = r.details?.host_key;
    if (!hostKey) return;
    const previous = this.current.get(r.check);
    if (previous) this.info.remove(previous);
    const labels = { check: r.check, algorithm: hostKey.algorithm, fingerprint: hostKey.fingerprint };
    this.info.set(labels, 1);
    this.current.set(r.check, labels);
    if (hostKey.matched) this.lastMatch.set({ check: r.check }, Date.parse(r.started_at) / 1000);
  }
}
