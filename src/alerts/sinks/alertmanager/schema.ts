/** `kind: alertmanager`: Alertmanager's `POST /api/v2/alerts`, as Prometheus pushes. */
import { z } from 'zod';
import { duration, httpUrl, sinkCommon } from '../../../schema/fields.js';

export const alertmanagerSinkSchema = z.strictObject({
  ...sinkCommon,
  kind: z.literal('alertmanager'),
  /** One Alertmanager, or (`urls`) every member of a cluster: each alert goes to all of them. */
  url: httpUrl.optional(),
  urls: z.array(httpUrl).min(1).max(16).optional(),
  /** Firing alerts are pushed again this often: well inside Alertmanager's resolve_timeout (5m). */
  resend_interval: duration({ min: '1s', max: '2m' }).prefault('1m'),
  /** A resolve is pushed again for this long, in case one push was lost. */
  resolve_resend_for: duration({ min: '0s', max: '1h' }).prefault('5m'),
  /**
   * An always-firing FogletMonitorWatchdog alert, pushed with every re-send while the monitor
   * is healthy (its scheduler runs, its probes complete, its state is writable): route it to a
   * dead man's switch service, which pages when it stops coming.
   */
  watchdog: z.boolean().default(false),
}).superRefine((c, ctx) => {
  if ((c.url === undefined) === (c.urls === undefined)) {
    ctx.addIssue({ code: 'custom', path: c.url === undefined ? ['url'] : ['urls'], message: 'expected either url (one Alertmanager) or urls (every member of a cluster), not both or neither' });
  }
  // A member listed twice gets every alert twice and hides that another member is missing from the list.
  const seen = new Map<string, number>();
  (c.urls ?? []).forEach((u, i) => {
    const key = new URL(u).href.replace(/\/+$/, '');
    const first = seen.get(key);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['urls', i], message: `the same member as urls[${first}]` });
    else seen.set(key, i);
  });
});

export type AlertmanagerSinkConfig = z.output<typeof alertmanagerSinkSchema>;

/**
 * The URL fields that are credentials: each is redacted whole, and each token-like segment of
 * it, wherever it would be printed. Alertmanager's URL holds no credential
 * (a password in it is redacted as any URL password is).
 */
export const alertmanagerCredentialUrls = [] as const;
