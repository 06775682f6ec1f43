/**
 * Runs one probe once: owns the timeout, the overall timing and the result's
 * identity, so that no check repeats them (blackbox_exporter's prober handler).
 */
import { roundSeconds, type CheckConfigBase, type Probe, type ProbeResult } from './types.js';

/** How long past its timeout a probe that ignores its signal is given before it is abandoned. */
const GRACE_MS = 1000;

export async function runProbe(cfg: CheckConfigBase, probe: Probe, outer?: AbortSignal): Promise<ProbeResult> {
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
    const result: ProbeResult = {
      check: cfg.name,
      kind: cfg.kind,
      target: probe.target,
      started_at: startedAt.toISOString(),
      duration_seconds: roundSeconds((performance.now() - t0) / 1000),
      ...outcome,
    };
    const slow = result.ok ? slowness(cfg, result) : undefined;
    return slow ? { ...result, degraded: { reason: 'slow', message: slow } } : result;
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Why a passing run is slow (past its check's degraded_after, in total or in a phase), or undefined. */
export function slowness(cfg: CheckConfigBase, r: Pick<ProbeResult, 'duration_seconds' | 'phases'>): string | undefined {
  const limits = cfg.degraded_after;
  if (!limits) return undefined;
  const over: string[] = [];
  if (limits.total && r.duration_seconds * 1000 > limits.total.ms) over.push(`took ${seconds(r.duration_seconds)} (degraded_after ${limits.total})`);
  for (const [phase, limit] of Object.entries(limits.phases) as Array<[string, { ms: number } | undefined]>) {
    const took = r.phases[phase];
    if (limit && took !== undefined && took * 1000 > limit.ms) over.push(`its ${phase} phase took ${seconds(took)} (degraded_after.${phase} ${limit})`);
  }
  return over.length > 0 ? `slow: ${over.join('; ')}` : undefined;
}

function seconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)}ms` : `${s.toFixed(s < 10 ? 2 : 1)}s`;
}
