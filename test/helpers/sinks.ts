/** What the sink tests share: a firing and a resolved change of a log alert, and a sink's config as the loader makes it. */
import { AlertEngine } from '../../src/alerts/engine.js';
import type { SinkConfig } from '../../src/alerts/sinks/schemas.js';
import type { AlertChange } from '../../src/alerts/types.js';
import { validateConfig } from '../../src/config/load.js';
import type { Signal } from '../../src/signals.js';

export const sinkContext = { instance: 'iad-1', externalUrl: 'https://monitor.example.net', warn: () => {} };

export function changes(): AlertChange[] {
  const out: AlertChange[] = [];
  const e = new AlertEngine({ instance: 'iad-1', repeatIntervalMs: 3600_000, onChange: (c) => out.push(c) });
  const s = (ok: boolean): Signal => ({
    source: 'log', key: 'log:app:host_key_regenerated', ok, severity: 'critical', category: 'ssh_host_key', reason: 'host_key_regenerated',
    summary: 'ssh_host_key in app: Foglet.SSH.HostKey: no host key in /data/ssh, generating ssh_host_ed25519_key',
    labels: { rule: 'host_key_regenerated', category: 'ssh_host_key', log_source: 'app' },
    evidence: ok ? undefined : { lines: ['10:00:06.000 [info] Foglet.SSH.HostKey: no host key in /data/ssh, generating ssh_host_ed25519_key'], runbook: 'Keep SSH_HOST_KEY_DIR on /data.' },
    at: '',
  });
  e.observe(s(false));
  e.observe(s(true));
  return out;
}

export function sinkConfig<K extends SinkConfig['kind']>(cfg: Record<string, unknown> & { kind: K }): Extract<SinkConfig, { kind: K }> {
  return validateConfig({ alerts: { sinks: [{ name: 's', ...cfg }] } }).alerts.sinks[0] as Extract<SinkConfig, { kind: K }>;
}
