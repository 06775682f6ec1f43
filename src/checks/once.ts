/** Every check run once, side by side: the `check` command (and later `verify`) use it. */
import { createProbe, type CheckConfig } from './index.js';
import { runProbe } from './runner.js';
import type { ProbeDeps, ProbeResult } from './types.js';

export async function runChecksOnce(
  checks: readonly CheckConfig[],
  deps: ProbeDeps,
  onResult?: (r: ProbeResult, done: number, total: number) => void,
): Promise<ProbeResult[]> {
  let done = 0;
  return Promise.all(checks.map(async (c) => {
    const probe = createProbe(c, deps);
    try {
      const r = await runProbe(c, probe);
      onResult?.(r, ++done, checks.length);
      return r;
    } finally {
      await probe.close?.();
    }
  }));
}
