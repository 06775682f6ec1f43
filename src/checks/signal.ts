/**
 * A probe result as a Signal for the alert engine: identity `check:<name>`, the
 * check's severity, its kind as the category, the failure reason, one readable
 * line, and the last screen as evidence when there is one.
 */
import type { CheckConfig } from '../config/schema.js';
import type { Signal } from '../signals.js';
import type { ProbeResult } from './types.js';

export function probeSignal(r: ProbeResult, check: Pick<CheckConfig, 'severity'>): Signal {
  const screen = typeof r.details?.screen === 'string' ? r.details.screen : undefined;
  return {
    source: 'probe',
    key: `check:${r.check}`,
    ok: r.ok,
    severity: check.severity,
    category: r.kind,
    reason: r.ok ? 'ok' : r.reason ?? 'protocol_error',
    summary: r.ok
      ? `${r.check} passed (${r.kind} ${r.target})`
      : `${r.check} failed (${r.kind} ${r.target}): ${r.reason}${r.message ? `: ${r.message}` : ''}`,
    labels: { check: r.check, target: r.target },
    ...(!r.ok && screen ? { evidence: { screen } } : {}),
    at: r.started_at,
  };
}
