/**
 * A probe result as a Signal for the alert engine: identity `check:<name>`, the
 * check's severity, its kind as the category, the failure reason, one readable
 * line, and the last screen as evidence when there is one.
 */
import type { Signal, Thresholds } from '../signals.js';
import type { CheckConfigBase, CheckKindDescriptor, ProbeResult } from './types.js';

export function probeSignal(r: ProbeResult, check: Pick<CheckConfigBase, 'severity'>): Signal {
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

/**
 * A check's latency as a Signal of its own, `check:<name>:slow`: failing while runs pass
 * but past degraded_after, a warning whatever the check's severity (slow is not broken).
 * A run that fails clears it: the check's own alert says more than "slow".
 */
export function slowSignal(r: ProbeResult): Signal {
  return {
    source: 'probe',
    key: `check:${r.check}:slow`,
    ok: !r.degraded,
    severity: 'warning',
    category: r.kind,
    reason: r.degraded ? 'slow' : 'ok',
    summary: r.degraded ? `${r.check} is slow (${r.kind} ${r.target}): ${r.degraded.message.replace(/^slow: /, '')}`
      : r.ok ? `${r.check} is fast again (${r.kind} ${r.target})` : `${r.check} is failing, so not judged slow (${r.kind} ${r.target}): its own alert says why`,
    labels: { check: r.check, target: r.target },
    at: r.started_at,
  };
}

/**
 * Every signal one run carries, with the thresholds each is judged by: the check's own
 * (its thresholds), its latency where degraded_after is set or a slow alert is still active
 * (cleared after a reload removed the limit), and what its kind derives (judged at once).
 * The kind is handed in: the daemon's registry is the one that built the check's probe.
 */
export function resultSignals(r: ProbeResult, check: CheckConfigBase, kind: Pick<CheckKindDescriptor, 'derive'>, thresholds: Thresholds, activeKeys: () => string[]):
  { signals: Array<{ signal: Signal; thresholds: Thresholds }>; notices: Signal[]; restarted: boolean } {
  let keys: string[] | undefined;
  const active = () => (keys ??= activeKeys());
  const signals = [{ signal: probeSignal(r, check), thresholds }];
  // The alerts' active keys are looked up only where a result needs them (no degraded_after, a kind that derives).
  if (check.degraded_after || active().includes(`check:${r.check}:slow`)) signals.push({ signal: slowSignal(r), thresholds });
  const derived = kind.derive?.(r, check, active());
  for (const signal of derived?.signals ?? []) signals.push({ signal, thresholds: { failure: 1, success: thresholds.success } });
  return { signals, notices: derived?.notices ?? [], restarted: derived?.restarted ?? false };
}
