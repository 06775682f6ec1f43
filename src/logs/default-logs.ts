/**
 * A config's `logs` section with nothing set, as the build validated it (build-packs.ts): what
 * `scan` and `rules test` use without -c, read without the config schema's library.
 */
import type { Config } from '../config/schema.js';
import { readBuilt } from './packs.js';

export async function defaultLogs(): Promise<Config['logs']> {
  const built = readBuilt('default-logs.json') as Config['logs'] | undefined;
  return built ?? (await import('../config/load.js')).validateConfig({}).logs;
}
