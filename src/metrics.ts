/**
 * The one metrics registry every part reports into. Names follow Prometheus
 * conventions: base units, `_seconds`, `_total`, few labels (`check`, `kind`,
 * `phase`, `reason`). Every metric here is listed in docs/operations.md.
 */
import client from 'prom-client';
import { checkKinds, type CheckRegistry } from './checks/index.js';
import type { CheckConfigBase, KindMetrics, ProbeResult } from './checks/types.js';
import { VERSION } from './version.js';

const P = 'foglet_monitor_';

export class Metrics {
  readonly registry = new client.Registry();

  readonly probeSuccess = new client.Gauge({
    name: `${P}probe_success`, help: 'Whether the last run of the check passed (1) or failed (0).',
    labelNames: ['check', 'kind'] as const, registers: [this.registry],
  });
  readonly probeDuration = new client.Histogram({
    name: `${P}probe_duration_seconds`, help: 'How long whole probe runs took.',
    labelNames: ['check', 'kind'] as const, registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
  });
  readonly probeDegraded = new client.Gauge({
    name: `${P}probe_degraded`, help: 'Whether the last run of the check passed but slower than its degraded_after (1) or not (0).',
    labelNames: ['check', 'kind'] as const, registers: [this.registry],
  });
  readonly phaseDuration = new client.Gauge({
    name: `${P}probe_phase_duration_seconds`, help: 'Seconds the last run spent in each phase it reached.',
    labelNames: ['check', 'kind', 'phase'] as const, registers: [this.registry],
  });
  readonly failures = new client.Counter({
    name: `${P}probe_failures_total`, help: 'Failed probe runs, by reason.',
    labelNames: ['check', 'kind', 'reason'] as const, registers: [this.registry],
  });
  readonly failureReason = new client.Gauge({
    name: `${P}probe_failure_reason`,
    help: 'One series per failure reason: 1 for the reason of the last run, 0 for the others (all 0 when it passed).',
    labelNames: ['check', 'kind', 'reason'] as const, registers: [this.registry],
  });
  readonly lastRun = new client.Gauge({
    name: `${P}probe_last_run_timestamp_seconds`, help: 'Unix time the last run of the check started.',
    labelNames: ['check', 'kind'] as const, registers: [this.registry],
  });
  readonly httpStatus = new client.Gauge({
    name: `${P}probe_http_status_code`, help: 'HTTP status code of the last response (absent when none came).',
    labelNames: ['check'] as const, registers: [this.registry],
  });
  readonly tlsExpiry = new client.Gauge({
    name: `${P}probe_tls_cert_expiry_timestamp_seconds`, help: 'Unix time the server certificate seen by the last run expires.',
    labelNames: ['check'] as const, registers: [this.registry],
  });
  readonly logLines = new client.Counter({
    name: `${P}log_lines_total`, help: 'Log lines read, by source.', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly logBytes = new client.Counter({
    name: `${P}log_bytes_total`, help: 'Log bytes read, by source.', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly logLinesCut = new client.Counter({
    name: `${P}log_lines_cut_total`, help: 'Log lines longer than logs.max_line_bytes, cut to it.', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly logMatches = new client.Counter({
    name: `${P}log_matches_total`, help: 'Log events matched, by rule and category.', labelNames: ['source', 'rule', 'category'] as const, registers: [this.registry],
  });
  readonly logLastMatch = new client.Gauge({
    name: `${P}log_last_match_timestamp_seconds`, help: 'Unix time a rule last matched.', labelNames: ['source', 'rule'] as const, registers: [this.registry],
  });
  readonly logRuleActive = new client.Gauge({
    name: `${P}log_rule_active`, help: '1 while a log rule (or restart_loop) is past its threshold and not yet quiet for quiet_for.',
    labelNames: ['source', 'rule', 'category', 'severity'] as const, registers: [this.registry],
  });
  readonly logSourceUp = new client.Gauge({
    name: `${P}log_source_up`, help: 'Whether a log source is reading (file open, command running).', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly logSourceRestarts = new client.Counter({
    name: `${P}log_source_restarts_total`, help: 'Restarts of a command log source.', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly logRotations = new client.Counter({
    name: `${P}log_file_rotations_total`, help: 'File rotations seen, by kind (rename, truncate).', labelNames: ['source', 'kind'] as const, registers: [this.registry],
  });
  readonly logGaps = new client.Counter({
    name: `${P}log_gaps_total`,
    help: 'Stretches of a log file that could not be read (rotated or truncated while the monitor was down, and no readable copy), by reason.',
    labelNames: ['source', 'reason'] as const, registers: [this.registry],
  });
  readonly logBytesBehind = new client.Gauge({
    name: `${P}log_bytes_behind`, help: 'Bytes of a log file not yet read (lag).', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly logBoots = new client.Counter({
    name: `${P}log_boots_total`, help: 'Foglet boots seen in a log source (boot markers, one per boot).', labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly notifications = new client.Counter({
    name: `${P}notifications_total`, help: 'Alert notifications by sink and outcome: sent, retried (a failed attempt that will be tried again), dropped.',
    labelNames: ['sink', 'outcome'] as const, registers: [this.registry],
  });
  readonly heartbeats = new client.Counter({
    name: `${P}heartbeats_total`, help: 'Heartbeat calls by sink and outcome: sent (url or fail_url answered 2xx) or failed.',
    labelNames: ['sink', 'outcome'] as const, registers: [this.registry],
  });
  readonly notificationQueue = new client.Gauge({
    name: `${P}notification_queue_length`, help: 'Notifications waiting to be delivered, by sink.', labelNames: ['sink'] as const, registers: [this.registry],
  });
  readonly httpConnectionsRefused = new client.Counter({
    name: `${P}http_connections_refused_total`,
    help: 'Connections to the monitor\'s HTTP server refused: max_connections were open, each with a request in flight.',
    registers: [this.registry],
  });
  readonly httpConnectionsEvicted = new client.Counter({
    name: `${P}http_connections_evicted_total`,
    help: 'Idle connections to the monitor\'s HTTP server closed to admit a new one while max_connections were open.',
    registers: [this.registry],
  });
  readonly httpConnectionsOpen = new client.Gauge({
    name: `${P}http_connections_open`, help: 'Connections open to the monitor\'s HTTP server.', registers: [this.registry],
  });
  readonly sinkFailing = new client.Gauge({
    name: `${P}sink_failing`,
    help: '1 while a sink is failing: a change it should have had was rejected or dropped, or its deliveries have failed for alerts.delivery.failing_after.',
    labelNames: ['sink'] as const, registers: [this.registry],
  });
  readonly notificationOldest = new client.Gauge({
    name: `${P}notification_queue_oldest_age_seconds`, help: 'Age of the oldest notification waiting for a sink (0 when none waits).',
    labelNames: ['sink'] as const, registers: [this.registry],
  });
  readonly alerts = new client.Gauge({
    name: `${P}alerts`, help: 'Alerts by state (pending, firing, resolved) and severity.', labelNames: ['state', 'severity'] as const, registers: [this.registry],
  });
  readonly alertState = new client.Gauge({
    name: `${P}alert_state`, help: 'One series per alert, as Prometheus\'s ALERTS: 1 with its state in alertstate.',
    labelNames: ['alertname', 'key', 'severity', 'category', 'alertstate'] as const, registers: [this.registry],
  });
  readonly releaseInfo = new client.Gauge({
    name: `${P}release_info`, help: 'Always 1: the current release (from release marks, or "unknown" after an unmarked boot) and its status.',
    labelNames: ['version', 'status'] as const, registers: [this.registry],
  });
  readonly releaseStart = new client.Gauge({
    name: `${P}release_start_timestamp_seconds`, help: 'When the current release started: for Grafana annotations.',
    labelNames: ['version'] as const, registers: [this.registry],
  });
  readonly releaseVerdict = new client.Gauge({
    name: `${P}release_verdict`, help: 'The post-release watch\'s verdict on the latest watched release: 1 on its verdict (healthy, degraded, failed; watching while it runs).',
    labelNames: ['version', 'verdict'] as const, registers: [this.registry],
  });
  readonly deployWindow = new client.Gauge({
    name: `${P}deploy_window_open`, help: '1 while a deploy window holds back the alerts a deploy causes anyway.', registers: [this.registry],
  });
  readonly maintenanceWindow = new client.Gauge({
    name: `${P}maintenance_window_open`, help: '1 while a scheduled maintenance window (alerts.maintenance) is open and silences the alerts it matches.',
    labelNames: ['window'] as const, registers: [this.registry],
  });
  /** Where the waiting-runs gauge reads from at scrape time (the scheduler, once there is one). */
  waitingRuns: () => number = () => 0;
  readonly schedulerWaiting = new client.Gauge({
    name: `${P}scheduler_waiting_runs`, help: 'Runs that are due and wait for a slot (max_concurrent_probes); above 0 for long, raise it or spread the schedules.',
    registers: [this.registry],
    collect: () => { this.schedulerWaiting.set(this.waitingRuns()); },
  });
  readonly skippedRuns = new client.Counter({
    name: `${P}scheduler_skipped_runs_total`, help: 'Scheduled runs skipped because the previous run of the check was still going.',
    labelNames: ['check'] as const, registers: [this.registry],
  });
  readonly configReloads = new client.Counter({
    name: `${P}config_reloads_total`, help: 'Config reloads (SIGHUP), by outcome.',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly configLoaded = new client.Gauge({
    name: `${P}config_last_load_success_timestamp_seconds`, help: 'Unix time the running config was loaded.',
    registers: [this.registry],
  });
  readonly stateWritable = new client.Gauge({
    name: `${P}state_writable`, help: '1 while the state file is written; 0 while writes fail (state is kept in memory and retried).',
    registers: [this.registry],
  });
  readonly stateWriteFailures = new client.Counter({
    name: `${P}state_write_failures_total`, help: 'Failed writes of the state file (unwritable directory, full disk).',
    registers: [this.registry],
  });
  readonly buildInfo = new client.Gauge({
    name: `${P}build_info`, help: 'Always 1; labels carry the monitor and Node versions.',
    labelNames: ['version', 'nodejs_version'] as const, registers: [this.registry],
  });

  /** Each kind's own series (CheckKindDescriptor.metrics), by kind. */
  private readonly kindMetrics = new Map<string, KindMetrics>();
  private readonly kinds: CheckRegistry;

  constructor(opts: { processMetrics?: boolean; kinds?: CheckRegistry } = {}) {
    this.kinds = opts.kinds ?? checkKinds;
    for (const k of this.kinds.kinds) {
      const m = k.metrics?.(this.registry);
      if (m) this.kindMetrics.set(k.kind, m);
    }
    this.buildInfo.set({ version: VERSION, nodejs_version: process.version }, 1);
    for (const r of ['success', 'failure'] as const) this.configReloads.inc({ outcome: r }, 0);
    this.stateWritable.set(1);
    if (opts.processMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  private checkSet: string | undefined;

  /**
   * Creates every check's series at zero, and drops those of checks that are gone (after a
   * reload). The same checks again (a release watch's schedule, a reload that kept them) keep
   * their series: a counter set back to 0 for nothing loses what it had counted since the last scrape.
   */
  setChecks(checks: CheckConfigBase[]): void {
    const set = JSON.stringify(checks.map((c) => [c.name, c.kind]).sort());
    const same = set === this.checkSet;
    this.checkSet = set;
    if (same) return;
    for (const m of [this.probeSuccess, this.probeDuration, this.phaseDuration, this.failures, this.failureReason,
      this.lastRun, this.httpStatus, this.tlsExpiry, this.skippedRuns]) m.reset();
    for (const m of this.kindMetrics.values()) m.configure(checks);
    for (const c of checks) {
      this.skippedRuns.inc({ check: c.name }, 0);
      for (const reason of this.kinds.get(c.kind).reasons) this.failures.inc({ check: c.name, kind: c.kind, reason }, 0);
    }
  }

  /** Drops every log series: the log watcher is rebuilt on a reload and creates its own again. */
  resetLogs(): void {
    for (const m of [this.logLines, this.logBytes, this.logLinesCut, this.logMatches, this.logLastMatch, this.logRuleActive,
      this.logSourceUp, this.logSourceRestarts, this.logRotations, this.logGaps, this.logBytesBehind, this.logBoots]) m.reset();
  }

  recordProbe(r: ProbeResult): void {
    const labels = { check: r.check, kind: r.kind };
    this.probeSuccess.set(labels, r.ok ? 1 : 0);
    this.probeDegraded.set(labels, r.degraded ? 1 : 0);
    this.probeDuration.observe(labels, r.duration_seconds);
    this.lastRun.set(labels, Date.parse(r.started_at) / 1000);
    for (const [phase, seconds] of Object.entries(r.phases)) this.phaseDuration.set({ ...labels, phase }, seconds ?? 0);
    for (const reason of this.kinds.get(r.kind).reasons) this.failureReason.set({ ...labels, reason }, !r.ok && r.reason === reason ? 1 : 0);
    if (!r.ok && r.reason) this.failures.inc({ ...labels, reason: r.reason });

    // Status codes and certificates are details any kind may have (http, app_metrics): common series.
    const status = r.details?.status_code;
    if (typeof status === 'number') this.httpStatus.set({ check: r.check }, status);
    else this.httpStatus.remove({ check: r.check });
    const expiry = r.details?.tls?.cert_expiry_timestamp_seconds;
    if (typeof expiry === 'number') this.tlsExpiry.set({ check: r.check }, expiry);

  }

  /** A run's kind-specific series (the SSH host key, app restarts), for a check still configured. */
  recordKind(r: ProbeResult): void {
    this.kindMetrics.get(r.kind)?.record(r);
  }

  /** A write of the state file, done or failed (kept in memory and retried). */
  stateWritten(ok: boolean): void {
    this.stateWritable.set(ok ? 1 : 0);
    if (!ok) this.stateWriteFailures.inc();
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
