/**
 * Runs one probe once: owns the timeout, the overall timing and the result's
 * identity, so that no check repeats them (blackbox_exporter's prober handler).
 */
import type { CheckConfig } from '../config/schema.js';
import { roundSeconds, type Probe, type ProbeResult } from './types.js';

/** How long past its timeout a probe that ignores its signal is given before it is abandoned. */
const GRACE_MS = 1000;

export async function runProbe(cfg: CheckConfig, probe: Probe, outer?: AbortSignal): Promise<ProbeResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('probe timeout')), cfg.timeout.ms);
  const onOuter = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let deadline: NodeJS.Timeout | undefined;
  try {
    const abandoned = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`probe ignored its ${cfg.timeout} timeout`)), cfg.timeout.ms + GRACE_MS);
    });
    const outcome = await Promise.race([probe.run({ signal: controller.signal }), abandoned]).catch((err: unknown) => ({
      ok: false as const,
      reason: controller.signal.aborted ? ('timeout' as const) : ('protocol_error' as const),
      message: err instanceof Error ? err.message : String(err),
      phases: {},
    }));
    return {
      check: cfg.name,
      kind: cfg.kind,
      target: probe.target,
      started_at: startedAt.toISOString(),
      duration_seconds: roundSeconds((performance.now() - t0) / 1000),
      ...outcome,
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
    outer?.removeEventListener('abort', onOuter);
  }
}
