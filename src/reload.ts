/**
 * What a reload reads before anything running is stopped: the config file, validated, and the
 * log setup built from it (the rules compiled together, what can still fail after the schema).
 * Any problem is logged and counted, and the running config stays.
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
