#!/usr/bin/env node
/**
 * The command line's entry: the program and its commands, one file each in cli/. Each command
 * calls into the parts (config, checks, daemon, demo) and maps their outcome to an exit code:
 * 0 all good, 1 a check failed, 2 bad config or bad usage.
 */
import { Command } from 'commander';
import { loadOrExit, logsWithRulesOrExit } from './cli/options.js';
import { defaultLogs } from './logs/default-logs.js';
import { registerRunCommand } from './cli/run.js';
import { registerCheckCommand } from './cli/check.js';
import { registerConfigCommand } from './cli/config.js';
import { registerScanCommand } from './cli/scan.js';
import { registerHostkeyCommand } from './cli/hostkey.js';
import { registerVerifyCommand } from './cli/verify.js';
import { registerDemoCommand } from './cli/demo.js';
import { registerSilenceCommands } from './cli/silence.js';
import { registerReleaseCommands } from './cli/release.js';
import { registerRulesCommands } from './cli/rules.js';
import { VERSION } from './version.js';

// A reader that stops early (`scan --json FILE | head`) closes the pipe: that is its right, not
// our error. Stop quietly, as cat and grep do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const program = new Command('foglet-monitor')
  .description('Watches a Foglet BBS after every release: HTTP /up, the SSH login path, logs; exports Prometheus metrics.')
  .version(VERSION)
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(s) })
  .exitOverride((err) => {
    // Help and version are successes; any usage error exits 2, like a bad config.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerRunCommand(program);
registerCheckCommand(program);
registerConfigCommand(program);
registerScanCommand(program);
registerHostkeyCommand(program);
registerVerifyCommand(program);
registerSilenceCommands(program);
registerReleaseCommands(program);
registerRulesCommands(program, {
  logsFor: async (opts) => {
    const logs = opts.config ? (await loadOrExit(opts.config)).logs : await defaultLogs();
    return logsWithRulesOrExit(logs, opts.rules);
  },
});
registerDemoCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`foglet-monitor: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof Error && e.name === 'ConfigError' ? 2 : 1);
});
