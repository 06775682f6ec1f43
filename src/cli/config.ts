/** `config check` and `config schema`: a config validated and shown resolved, and its JSON Schema. */
import { Command } from 'commander';

import { configOption, loadOrExit } from './options.js';

export function registerConfigCommand(program: Command): void {
  const configCmd = program.command('config').description('work with config files');
  configCmd.command('check')
    .description('validate a config and print it resolved (defaults filled, ${ENV} expanded, secrets redacted)')
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      const config = await loadOrExit(opts.config);
      process.stderr.write(`${opts.config}: valid (${config.checks.length} check(s))\n`);
      const [{ default: YAML }, { redactConfig }] = await Promise.all([import('yaml'), import('../config/redact.js')]);
      process.stdout.write(YAML.stringify(redactConfig(config)));
    });
  configCmd.command('schema')
    .description('print the config\'s JSON Schema (for editors: config/foglet-monitor.schema.json is this)')
    .action(async () => {
      const { configJsonSchema } = await import('../config/json-schema.js');
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
