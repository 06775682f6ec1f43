/**
 * A reload in two steps. What it reads before anything running is stopped: the config file,
 * validated, and the log setup built from it (the rules compiled together, what can still
 * fail after the schema); any problem is logged and counted, and the running config stays.
 * Then the new config is applied, and if that fails after all, the running one again.
 */
import { ConfigError, loadConfigFile } from './config/load.js';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { packChecks } from './logs/packs.js';
import { pipelineSetup, type PipelineSetup } from './logs/setup.js';
import type { Metrics } from './metrics.js';

export async function readReload(file: string, running: Config, logger: Logger, metrics: Metrics): Promise<{ config: Config; setup: PipelineSetup } | undefined> {
  const failed = (fields: Record<string, unknown>) => {
    metrics.configReloads.inc({ outcome: 'failure' });
    logger.error({ file, ...fields }, 'config reload failed; keeping the running config');
    return undefined;
  };
  let next: Config;
  try {
    next = await loadConfigFile(file, process.env, packChecks);
  } catch (e) {
    return failed({ problems: e instanceof ConfigError ? e.problems : [{ message: (e as Error).message }] });
  }
  for (const key of ['listen', 'state_file'] as const) {
    if (next[key] !== running[key]) logger.warn({ key }, `${key} changed; it takes effect at the next restart`);
  }
  try {
    const setup = pipelineSetup(next.logs);
    return { config: { ...next, listen: running.listen, state_file: running.state_file }, setup };
  } catch (e) {
    return failed({ err: (e as Error).message });
  }
}

/**
 * Applies a config readReload returned. Not expected to fail once the setup was built; if it
 * does, the running config is applied again, and if even that fails, `broken` says why (the
 * monitor is then not ready).
 */
export async function applyReload(file: string, apply: () => Promise<void>, rollBack: () => Promise<void>, logger: Logger, metrics: Metrics): Promise<{ ok: boolean; broken?: string }> {
  try {
    await apply();
  } catch (e) {
    metrics.configReloads.inc({ outcome: 'failure' });
    logger.error({ file, err: (e as Error).message }, 'config reload failed while applying it; back to the running config');
    try {
      await rollBack();
      return { ok: false };
    } catch (again) {
      logger.fatal({ err: (again as Error).message }, 'the running config could not be restarted either; not ready');
      return { ok: false, broken: (again as Error).message };
    }
  }
  metrics.configReloads.inc({ outcome: 'success' });
  metrics.configLoaded.setToCurrentTime();
  return { ok: true };
}
