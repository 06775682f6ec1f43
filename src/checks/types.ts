/**
 * The one interface every check kind sits behind, and the result it reports.
 * As in blackbox_exporter, a check owns only its protocol: the runner owns the
 * timeout, the overall timing and the result's common fields.
 */
import type { z } from 'zod';
import type client from 'prom-client';
import type { Signal } from '../signals.js';
import type { Finding, ScrapeMemory } from './app-metrics/foglet-metrics.js';
import type { HostKeyPins } from './ssh/hostkey.js';

/** Failure reasons (DESIGN.md): label `reason` on metrics, and carried into alerts. */
export const FAILURE_REASONS = [
  'timeout', 'dns_error', 'connect_refused', 'connect_error', 'tls_error', 'http_status', 'body_mismatch',
  'handshake_failed', 'hostkey_mismatch', 'auth_failed', 'session_rejected', 'rate_limited', 'connection_limit',
  'screen_mismatch', 'screen_timeout', 'terminal_too_small', 'protocol_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** What a check's protocol code returns; the runner adds timing and identity. */
export interface ProbeOutcome {
  ok: boolean;
  reason?: FailureReason;
  /** One readable sentence on what happened, for /status, logs and alerts. */
  message?: string;
  /** Seconds spent in each phase that was reached. */
  phases: Record<string, number>;
  /** Kind-specific facts (HTTP status, TLS expiry, SSH host key, last screen). */
  details?: ProbeDetails;
  /** Set by the runner when the run passed but took longer than the check's degraded_after. */
  degraded?: { reason: 'slow'; message: string };
}

/**
 * What a run found besides pass or fail, by kind; each field has one meaning whichever kind
 * sets it. Metrics, alerts, /status and evidence read these fields, typed, never cast.
 */
export interface ProbeDetails {
  /** The phase a failed run stopped in. */
  phase?: string;
  /** http, app_metrics: the response. */
  status_code?: number;
  body_bytes?: number;
  body_truncated?: boolean;
  /** http over TLS: the connection and the server's certificate. */
  tls?: TlsDetails;
  /** ssh: the server's identification line, what was negotiated, the keys on both sides, the screen reached. */
  server_version?: string;
  algorithms?: { kex: string; serverHostKey: string; cs: Record<string, string>; sc: Record<string, string> };
  client_key?: { algorithm: string; ephemeral: boolean };
  host_key?: HostKeyDetails;
  screen?: string;
  /** app_metrics: the scrape's size, a restart seen in its counters, what it judged. */
  series?: number;
  restarted?: boolean;
  findings?: Finding[];
}

export interface TlsDetails {
  protocol: string | null;
  authorized: boolean;
  cert_not_after?: string;
  cert_expiry_timestamp_seconds?: number;
  cert_subject?: string | string[];
  cert_issuer?: string | string[];
}

export interface HostKeyDetails {
  algorithm: string;
  fingerprint: string;
  matched: boolean;
  mode: 'tofu' | 'any' | 'pinned';
  expected: string[];
  pinned_now?: true;
}

export interface ProbeResult extends ProbeOutcome {
  check: string;
  kind: string;
  target: string;
  /** ISO time the run started. */
  started_at: string;
  duration_seconds: number;
}

/** Per-run context: the signal aborts when the check's timeout is reached. */
export interface ProbeContext {
  signal: AbortSignal;
}

export interface Probe {
  readonly kind: string;
  /** What is probed, safe to show (no credentials). */
  readonly target: string;
  run(ctx: ProbeContext): Promise<ProbeOutcome>;
  /** Releases anything the probe holds between runs. */
  close?(): Promise<void>;
}


/** What a probe may use from the rest of the monitor, passed in rather than reached for. */
export interface ProbeDeps {
  /** Directory that relative paths in the config (CA files, keys) are resolved against. */
  baseDir: string;
  /** Trust-on-first-use host key pins, kept in the state file by the daemon. */
  hostKeyPins?: HostKeyPins;
  /** What app_metrics checks remember between scrapes, by check name; kept by the daemon across reloads. */
  scrapeMemory?: Map<string, ScrapeMemory>;
  /**
   * Hides the config's secrets in what a target sent back: applied before any of it is
   * cut short for a message, since a secret cut in half is no longer recognised later.
   */
  redact?(text: string): string;
}

/** What every check's config has, whatever its kind: the scheduler and the runner read these. */
export interface CheckConfigBase {
  name: string;
  kind: string;
  severity: 'critical' | 'warning' | 'info';
  schedule: string;
  timeout: { ms: number; toString(): string };
  jitter: { ms: number };
  failure_threshold?: number;
  success_threshold?: number;
  degraded_after?: { total?: { ms: number; toString(): string }; phases: Partial<Record<string, { ms: number; toString(): string }>> };
}

/**
 * One check kind, all of it in one place (blackbox_exporter's prober, Gatus's provider):
 * its config schema, its phases and failure reasons, how a probe is made, the series it
 * records beside the common ones, and what its results say besides pass or fail.
 * `checks/index.ts` lists the kinds (and `checks/schemas.ts` their schemas, for the config loader).
 */
export interface CheckKindDescriptor<C extends CheckConfigBase = CheckConfigBase> {
  readonly kind: C['kind'];
  /** The kind's config: a strict object with `kind` as its literal. */
  readonly schema: z.ZodType<C, unknown>;
  /** Label `phase` on the phase-duration metric, in the order a run goes through them (DESIGN.md). */
  readonly phases: readonly string[];
  /** The reasons a run can fail with: the one-hot reason gauge has one series for each. */
  readonly reasons: readonly FailureReason[];
  create(config: C, deps: ProbeDeps): Probe;
  /** The kind's own series, registered once per registry. */
  metrics?(registry: client.Registry): KindMetrics;
  /** Signals a result carries besides the check's own pass or fail (`active`: this check's signal keys now active). */
  derive?(r: ProbeResult, config: C, active: string[]): DerivedSignals;
}

export interface KindMetrics {
  /** Drops every series (a reload), then creates each check's at zero. */
  configure(checks: CheckConfigBase[]): void;
  record(r: ProbeResult): void;
}

export interface DerivedSignals {
  /** Judged at once (failure threshold 1). */
  signals: Signal[];
  /** Recorded and sent as they are, never pending: an event, not a condition. */
  notices: Signal[];
  /** The target restarted since the last run: the release tracker counts a boot. */
  restarted?: boolean;
}

/**
 * Tracks which phase a probe is in and how long each took, so that a timeout can say
 * where it stopped ("timeout in tls") and phase times add up to the whole.
 */
export class PhaseClock<P extends string = string> {
  readonly phases: Partial<Record<P, number>> = {};
  private current: P | undefined;
  private since = performance.now();

  constructor(first?: P) { if (first) this.start(first); }

  get phase(): P | undefined { return this.current; }

  /** Ends the current phase (if any) and starts the next. */
  start(next: P): void {
    this.end();
    this.current = next;
    this.since = performance.now();
  }

  end(): void {
    if (this.current !== undefined) {
      this.phases[this.current] = roundSeconds((this.phases[this.current] ?? 0) + (performance.now() - this.since) / 1000);
      this.current = undefined;
    }
  }
}

/** Seconds to the microsecond: finer digits are noise, and they bloat /status. */
export function roundSeconds(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}
