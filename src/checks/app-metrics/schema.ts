import { z } from 'zod';
import { checkCommon, cronSchedule, duration, headerMap, httpUrl, severity } from '../../schema/fields.js';

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

export type AppMetricsCheckConfig = z.output<typeof appMetricsCheckSchema>;
