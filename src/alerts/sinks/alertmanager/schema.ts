/** `kind: alertmanager`: Alertmanager's `POST /api/v2/alerts`, as Prometheus pushes. */
import { z } from 'zod';
import { duration, httpUrl, sinkCommon } from '../../../schema/fields.js';

export const alertmanagerSinkSchema = z.strictObject({
  ...sinkCommon,
  kind: z.literal('alertmanager'),
  url: httpUrl,
  /** Firing alerts are pushed again this often: well inside Alertmanager's resolve_timeout (5m). */
  resend_interval: duration({ min: '1s', max: '2m' }).prefault('1m'),
  /** A resolve is pushed again for this long, in case one push was lost. */
  resolve_resend_for: duration({ min: '0s', max: '1h' }).prefault('5m'),
});

export type AlertmanagerSinkConfig = z.output<typeof alertmanagerSinkSchema>;

/**
 * Whether this kind's `url` is itself a credential: then the whole URL, and each token-like
 * segment of it, is redacted wherever it would be printed. Alertmanager's URL holds no credential
 * (a password in it is redacted as any URL password is).
 */
export const alertmanagerUrlIsCredential = false;
