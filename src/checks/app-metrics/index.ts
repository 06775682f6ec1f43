/**
 * `kind: app_metrics`: Foglet's own Prometheus endpoint. Each judged finding is a signal of
 * its own, and a counter reset is a restart: counted, sent as a notice, and a boot for the
 * release tracker.
 */
import client from 'prom-client';
import type { CheckConfigBase, CheckKindDescriptor, KindMetrics, ProbeResult } from '../types.js';
import { appMetricsSignals, createAppMetricsProbe } from './probe.js';
import { appMetricsCheckSchema, type AppMetricsCheckConfig } from './schema.js';

export const appMetricsCheck = {
  kind: 'app_metrics',
  schema: appMetricsCheckSchema,
  phases: ['scrape', 'parse'],
  reasons: ['timeout', 'dns_error', 'connect_refused', 'connect_error', 'tls_error', 'http_status', 'protocol_error'],
  create: createAppMetricsProbe,
  metrics: (registry) => new RestartMetrics(registry),
  derive: (r, config, active) => ({
    signals: appMetricsSignals(r, config, active),
    notices: r.details?.restarted !== true ? [] : [{
      source: 'probe', key: `check:${r.check}:restart`, ok: false, severity: 'info', category: 'restart', reason: 'counter_reset',
      summary: `${r.check}: Foglet restarted (its metrics counters reset)`, labels: { check: r.check, target: r.target }, at: r.started_at,
    }],
    restarted: r.details?.restarted === true,
  }),
} as const satisfies CheckKindDescriptor<AppMetricsCheckConfig>;

class RestartMetrics implements KindMetrics {
  private readonly restarts: client.Counter<'check'>;

  constructor(registry: client.Registry) {
    this.restarts = new client.Counter({
      name: 'foglet_monitor_app_restarts_total', help: 'Foglet restarts seen by an app_metrics check (its counters went down or vanished).',
      labelNames: ['check'] as const, registers: [registry],
    });
  }

  configure(checks: CheckConfigBase[]): void {
    this.restarts.reset();
    for (const c of checks) if (c.kind === 'app_metrics') this.restarts.inc({ check: c.name }, 0);
  }

  record(r: ProbeResult): void {
    if (r.details?.restarted === true) this.restarts.inc({ check: r.check });
  }
}
