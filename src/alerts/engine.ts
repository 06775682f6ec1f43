/**
 * Signals in, alert changes out. One alert per signal key, its identity the hash of
 * its labels (as Alertmanager's fingerprint); states pending -> firing -> resolved.
 * A probe alert fires after `failure` consecutive failures and resolves after
 * `success` consecutive passes; a log rule has applied its own threshold and quiet
 * period already, so its thresholds are 1. A firing alert is sent again every
 * repeat interval; a new reason updates it (no new page). A silenced change is kept
 * but not sent; a resolve is sent whenever its firing was. The whole table is saved
 * and restored, so a restart mid-outage neither pages twice nor forgets to resolve.
 */
import { createHash } from 'node:crypto';
import type { Signal, Thresholds } from '../signals.js';
import type { Alert, AlertChange, ChangeKind } from './types.js';

export type { Thresholds } from '../signals.js';

export interface AlertEngineOptions {
  instance: string;
  /** False: alerts carry no instance label (an HA pair's monitors send identical alerts). */
  instanceLabel?: boolean;
  repeatIntervalMs: number;
  onChange(change: AlertChange): void;
  /** True when a silence covers these labels now. */
  isSilenced?(labels: Record<string, string>, now: number): boolean;
  /** Until when an alert that is due to fire waits (a deploy window), or undefined to fire now; asked again on every tick. */
  holdUntil?(what: { category: string; reason: string }, now: number): number | undefined;
  /** Extra labels for a new alert (the current release). */
  extraLabels?(): Record<string, string>;
  /** The incident a new alert joins (the release whose window it began in). */
  incidentKey?(now: number): string | undefined;
  now?: () => number;
}

/** One alert and what the engine needs to move it on; this is what the state file keeps. */
export interface TrackedAlert {
  alert: Alert;
  failures: number;
  successes: number;
  /** A firing notification went out for this episode, so its resolve must too. */
  sentFiring: boolean;
  /** ms since the epoch of the last firing/repeat/update sent. */
  lastSentAt?: number;
  silenced: boolean;
  /** Due to fire but held back (a deploy window). */
  held?: boolean;
  /** Held back, and its condition ended before the window closed: nothing was sent (kept a while to be shown). */
  heldCleared?: boolean;
  /** What happened to it, oldest first (at most TIMELINE_MAX): the status page's timeline. */
  timeline?: TimelineEntry[];
}

export interface TimelineEntry {
  at: string;
  event: 'pending' | 'held' | 'firing' | 'resolved' | 'cleared while held' | 'silenced' | 'unsilenced' | 'reason changed';
}

const TIMELINE_MAX = 20;

function note(t: TrackedAlert, event: TimelineEntry['event'], now: number): void {
  const timeline = t.timeline ?? (t.timeline = []);
  timeline.push({ at: new Date(now).toISOString(), event });
  if (timeline.length > TIMELINE_MAX) timeline.splice(1, timeline.length - TIMELINE_MAX); // keep how it began
}

/** How long a resolved alert stays in /status. */
const KEEP_RESOLVED_MS = 60 * 60 * 1000;

const ALERTNAMES: Record<Signal['source'], string> = {
  probe: 'FogletCheckFailing', log: 'FogletLogRule', release: 'FogletReleaseFailed', monitor: 'FogletMonitorSinkFailing',
};

const RELEASE_ALERTNAMES: Record<string, string> = {
  release_failed: 'FogletReleaseFailed', release_degraded: 'FogletReleaseDegraded', release_healthy: 'FogletReleaseHealthy',
};

function alertnameOf(signal: Signal): string {
  if (signal.reason === 'restart_loop') return 'FogletRestartLoop';
  if (signal.reason === 'slow') return 'FogletCheckSlow';
  if (signal.source === 'release') return RELEASE_ALERTNAMES[signal.reason] ?? ALERTNAMES.release;
  return ALERTNAMES[signal.source];
}

export function fingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels).sort().map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

export class AlertEngine {
  private readonly alerts = new Map<string, TrackedAlert>();
  private readonly now: () => number;
  /** Bumped on every change to the table: whoever saves it saves only when this moved. */
  revision = 0;

  constructor(private readonly opts: AlertEngineOptions) {
    this.now = opts.now ?? Date.now;
  }

  observe(signal: Signal, thresholds: Thresholds = { failure: 1, success: 1 }): void {
    const now = this.now();
    const iso = new Date(now).toISOString();
    let t = this.alerts.get(signal.key);
    if (t || !signal.ok) this.revision++;
    if (!signal.ok) {
      if (!t || t.alert.state === 'resolved') {
        t = { alert: this.newAlert(signal, this.episodeStart(signal, t, now)), failures: 0, successes: 0, sentFiring: false, silenced: false };
        note(t, 'pending', Date.parse(t.alert.activeAt));
        this.alerts.set(signal.key, t);
      }
      t.failures++;
      t.successes = 0;
      const reasonChanged = t.alert.annotations.reason !== signal.reason;
      t.alert.annotations = annotationsOf(signal);
      if (signal.evidence) t.alert.evidence = evidenceOf(signal);
      if (t.alert.state === 'pending' && t.failures >= thresholds.failure) {
        if (this.holding(t, now)) {
          if (!t.held) note(t, 'held', now);
          t.held = true; // a deploy's own outage: fires when the window closes if it is still failing
          return;
        }
        this.fire(t, now);
      } else if (t.alert.state === 'firing' && reasonChanged) {
        note(t, 'reason changed', now);
        this.change(t, 'update', now);
      }
      return;
    }
    if (!t || t.alert.state === 'resolved') return;
    // A clear of an earlier episode (a log source whose memory, restored after a crash, is older
    // than the alert table: it ends the episode before the one firing now) resolves nothing.
    const at = Date.parse(signal.at);
    if (Number.isFinite(at) && at < Date.parse(t.alert.activeAt)) return;
    if (t.alert.state === 'pending') {
      if (!t.held) {
        this.alerts.delete(signal.key); // never fired: nothing to tell anyone
        return;
      }
      // Held by a deploy window and over before it closed: nothing is sent, but the status shows it was held.
      t.held = false;
      t.heldCleared = true;
      t.alert.state = 'resolved';
      t.alert.endsAt = iso;
      note(t, 'cleared while held', now);
      return;
    }
    t.successes++;
    t.failures = 0;
    if (t.successes >= thresholds.success) {
      t.alert.state = 'resolved';
      t.alert.endsAt = iso;
      note(t, 'resolved', now);
      this.change(t, 'resolved', now);
    }
  }

  /** Repeats, silences that ended, and old resolved alerts; call every few seconds. */
  tick(): void {
    const now = this.now();
    for (const [key, t] of this.alerts) {
      if (t.alert.state !== 'resolved') {
        // A silence added or ended between changes shows in /status now, not at the next change.
        const silenced = this.opts.isSilenced?.(t.alert.labels, now) ?? false;
        if (t.silenced !== silenced) { t.silenced = silenced; this.revision++; note(t, silenced ? 'silenced' : 'unsilenced', now); }
      }
      if (t.alert.state === 'pending' && t.held && !this.holding(t, now)) {
        this.fire(t, now); // still failing when the deploy window closed
      } else if (t.alert.state === 'firing') {
        if (!t.sentFiring) this.change(t, 'firing', now); // its silence ended
        else if (t.lastSentAt !== undefined && now - t.lastSentAt >= this.opts.repeatIntervalMs) this.change(t, 'repeat', now);
      } else if (t.alert.state === 'resolved' && now - Date.parse(t.alert.endsAt!) > KEEP_RESOLVED_MS) {
        this.alerts.delete(key);
        this.revision++;
      }
    }
  }

  /** Forget alerts whose source is gone (a check removed by a reload). */
  retain(keep: (key: string) => boolean): void {
    for (const key of this.alerts.keys()) if (!keep(key) && this.alerts.delete(key)) this.revision++;
  }

  list(): TrackedAlert[] {
    return [...this.alerts.values()];
  }

  save(): TrackedAlert[] {
    return this.list().map((t) => structuredClone(t));
  }

  restore(saved: TrackedAlert[] | undefined): void {
    for (const t of saved ?? []) if (t?.alert?.key) this.alerts.set(t.alert.key, structuredClone(t));
    this.revision++;
  }

  /**
   * When an episode began: the observation's own time (a log line's), so that the same
   * episode derived again after a crash (its lines read again) has the same start, and
   * so the same change identities. Never ahead of the clock, and never on or before the
   * last episode's start: the start is part of each change's identity.
   */
  private episodeStart(signal: Signal, previous: TrackedAlert | undefined, now: number): string {
    const at = Date.parse(signal.at);
    let start = Number.isFinite(at) ? Math.min(at, now) : now;
    if (previous) start = Math.max(start, Date.parse(previous.alert.activeAt) + 1);
    return new Date(start).toISOString();
  }

  private holding(t: TrackedAlert, now: number): boolean {
    const until = this.opts.holdUntil?.({ category: t.alert.category, reason: t.alert.annotations.reason }, now);
    return until !== undefined && until > now;
  }

  /** Fires: `startsAt` is when the episode began (its first failure, its log line), not when a window let it through. */
  private fire(t: TrackedAlert, now: number): void {
    this.revision++;
    t.held = false;
    t.alert.state = 'firing';
    t.alert.startsAt = t.alert.activeAt;
    note(t, 'firing', now);
    this.change(t, 'firing', now);
  }

  /** A signal as a one-off notice (not tracked): its alert shape, already over. */
  notice(signal: Signal): AlertChange {
    const iso = new Date(this.now()).toISOString();
    const alert = this.newAlert(signal, iso);
    alert.state = 'resolved';
    alert.startsAt = iso;
    alert.endsAt = iso;
    alert.seq = 1;
    if (signal.evidence) alert.evidence = evidenceOf(signal);
    return { kind: 'notice', alert, at: iso };
  }

  private newAlert(signal: Signal, iso: string): Alert {
    const labels: Record<string, string> = {
      alertname: alertnameOf(signal),
      ...signal.labels,
      ...this.opts.extraLabels?.(),
      severity: signal.severity,
      category: signal.category,
      instance: this.opts.instance,
    };
    // Off for an HA pair: no per-monitor label from any source (a log signal carries its own instance).
    if (this.opts.instanceLabel === false) delete labels.instance;
    const incident = this.opts.incidentKey?.(Date.parse(iso));
    return {
      ...(incident ? { incident } : {}),
      fingerprint: fingerprint(labels),
      key: signal.key,
      labels,
      annotations: annotationsOf(signal),
      severity: signal.severity,
      category: signal.category,
      state: 'pending',
      activeAt: iso,
      seq: 0,
    };
  }

  private change(t: TrackedAlert, kind: ChangeKind, now: number): void {
    const silenced = this.opts.isSilenced?.(t.alert.labels, now) ?? false;
    if (t.silenced !== silenced) { this.revision++; note(t, silenced ? 'silenced' : 'unsilenced', now); }
    t.silenced = silenced;
    // A resolve goes out whenever its firing did, silenced or not: the page must close.
    if (kind === 'resolved' ? !t.sentFiring : silenced) {
      if (kind === 'resolved') t.sentFiring = false;
      return;
    }
    t.alert.seq++;
    this.revision++;
    if (kind === 'resolved') t.sentFiring = false;
    else {
      t.sentFiring = true;
      t.lastSentAt = now;
    }
    this.opts.onChange({ kind, alert: structuredClone(t.alert), at: new Date(now).toISOString() });
  }
}

function annotationsOf(signal: Signal): Alert['annotations'] {
  const runbook = typeof signal.evidence?.runbook === 'string' ? signal.evidence.runbook : undefined;
  return { summary: signal.summary, reason: signal.reason, ...(runbook ? { runbook } : {}) };
}

function evidenceOf(signal: Signal): Alert['evidence'] {
  const e = signal.evidence ?? {};
  return {
    ...(Array.isArray(e.lines) ? { lines: e.lines.slice(0, 50) } : {}),
    ...(typeof e.screen === 'string' ? { screen: e.screen } : {}),
  };
}
