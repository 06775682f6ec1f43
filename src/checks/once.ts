/** Every check run once, side by side: the `check` command (and later `verify`) use it. */
import type { Config } from '../config/schema.js';
import { createProbe } from './index.js';
import { runProbe } from './runner.js';
import type { ProbeDeps, ProbeResult } from './types.js';

export async function runChecksOnce(
  config: Config,
  deps: ProbeDeps,
  onResult?: (r: ProbeResult, done: number, total: number) => void,
): Promise<ProbeResult[]> {
  let done = 0;
  return Promise.all(config.checks.map(async (c) => {
    const probe = createProbe(c, deps);
    try {
      const r = await runProbe(c, probe);
      onResult?.(r, ++done, config.checks.length);
      return r;
    } finally {
      await probe.close?.();
    }
  }));
}
