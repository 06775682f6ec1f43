/**
 * What several commands share: the --config and --log-format options, and loading a config or
 * rules file or exiting 2. Loading is imported when a command runs (config-files.ts): the
 * schema and its library are a fifth of a command's start-up, and `--help` or a `scan` without
 * a config needs none of it.
 */
import { Option } from 'commander';
import type { Config } from '../config/schema.js';

export const DEFAULT_CONFIG = process.env.FOGLET_MONITOR_CONFIG ?? '/etc/foglet-monitor/config.yaml';

export const configOption = () => new Option('-c, --config <file>', 'config file (env FOGLET_MONITOR_CONFIG)').default(DEFAULT_CONFIG);
export const logFormatOption = () => new Option('--log-format <format>', 'log format: json, or pretty for people (default: pretty on a TTY)')
  .choices(['auto', 'json', 'pretty']);

/** Loads a config or exits 2 with every problem named. */
export async function loadOrExit(file: string): Promise<Config> {
  return (await import('./config-files.js')).loadOrExit(file);
}

/** logs.* with a --rules file's rules added, checked as a config's are, or exit 2. */
export async function logsWithRulesOrExit(logs: Config['logs'], file: string | undefined): Promise<Config['logs']> {
  if (!file) return logs;
  return (await import('./config-files.js')).logsWithRulesOrExit(logs, file);
}
