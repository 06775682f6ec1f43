/**
 * What the alert engine hands the notifier, and what sinks render: an alert with
 * its labels (its identity), annotations (what a person reads) and state, and one
 * change of it. Everything here is already redacted.
 */
import type { Severity } from '../signals.js';

export type AlertState = 'pending' | 'firing' | 'resolved';

export interface Alert {
  /** Hash of the labels, as Alertmanager's: the identity across restarts and sinks. */
  fingerprint: string;
  /** The signal key it follows: `check:<name>`, `log:<source>:<rule>`. */
  key: string;
  labels: Record<string, string>;
  annotations: {
    summary: string;
    reason: string;
    description?: string;
    runbook?: string;
    /** Where the evidence bundle for this firing was written. */
    evidence_bundle?: string;
  };
  /** The last screen or the matched log lines: shown in a block, never in a label. */
  evidence?: { lines?: string[]; screen?: string };
  severity: Severity;
  category: string;
  state: AlertState;
  /** When it started failing (pending), ISO. */
  activeAt: string;
  /** When it fired, ISO. */
  startsAt?: string;
  /** When it resolved, ISO. */
  endsAt?: string;
  /** Bumped on every change sent within an episode: part of the change's identity (changeId). */
  seq: number;
  /** Alerts that began in the same release share this key, one pager incident (`release:<version>`). */
  incident?: string;
}

/** `notice`: news that is not a problem (a release watched and found healthy); sent once, never paged. */
export type ChangeKind = 'firing' | 'resolved' | 'repeat' | 'update' | 'notice';

export interface AlertChange {
  kind: ChangeKind;
  /** The alert as it was at the change. */
  alert: Alert;
  at: string;
  /** A resolve while other alerts of its incident still fire: the pager's incident stays open. */
  incidentOpen?: boolean;
}

/**
 * A change's own identity, `<fingerprint>.<episode start>.<kind>.<seq>`: unique per
 * alert, episode (its activeAt, which the engine keeps strictly increasing per alert),
 * kind and change number within the episode. Two different changes never share it;
 * the same change, re-sent after a crash or re-derived from the restored alert table,
 * always has it. Queue ids, webhook `Idempotency-Key`s and logs use it.
 */
export function changeId(change: AlertChange): string {
  const a = change.alert;
  return `${a.fingerprint}.${Date.parse(a.activeAt).toString(36)}.${change.kind}.${a.seq}`;
}
