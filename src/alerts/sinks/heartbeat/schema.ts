/**
 * `kind: heartbeat`: the dead man's switch. While the monitor is healthy it calls `url` every
 * `interval` (a healthchecks.io check, an Uptime Kuma push monitor, an Opsgenie or PagerDuty
 * heartbeat); the service pages when the calls stop. It takes no alerts.
 */
import { z } from 'zod';
import { checkName, duration, headerMap, httpUrl } from '../../../schema/fields.js';

export const heartbeatSinkSchema = z.strictObject({
  name: checkName,
  kind: z.literal('heartbeat'),
  url: httpUrl,
  /**
   * Called instead of `url` while the monitor is unhealthy, where the service has one
   * (healthchecks.io: `<url>/fail`; Uptime Kuma: `?status=down&msg=...`): it pages at once
   * instead of after its grace period. Without it, an unhealthy monitor just stops calling.
   */
  fail_url: httpUrl.optional(),
  method: z.enum(['GET', 'POST', 'HEAD']).default('GET'),
  /** Opsgenie's `Authorization: GenieKey ...`, for one. */
  headers: headerMap.default({}),
  interval: duration({ min: '5s', max: '1h' }).prefault('1m'),
  /** 10s, or half the interval when that is shorter. */
  timeout: duration({ min: '100ms', max: '2m' }).optional(),
}).superRefine((c, ctx) => {
  // A call still waiting when the next is due would overlap it: the service would see the beats bunch and stop.
  if (c.timeout && c.timeout.ms >= c.interval.ms) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `must be shorter than interval (${c.interval}), got ${c.timeout}` });
});

/** The call's timeout: as configured, else 10s or half the interval when that is shorter. */
export function heartbeatTimeoutMs(c: HeartbeatSinkConfig): number {
  return c.timeout?.ms ?? Math.min(10_000, c.interval.ms / 2);
}

export type HeartbeatSinkConfig = z.output<typeof heartbeatSinkSchema>;

/**
 * The URL fields that are credentials: a heartbeat URL is the check's secret (healthchecks.io's
 * UUID, Uptime Kuma's push token); whoever has it can keep a dead monitor looking alive.
 */
export const heartbeatCredentialUrls = ['url', 'fail_url'] as const;
