/** `run`: the daemon until SIGTERM or SIGINT; SIGHUP reloads the config. */
import { Command } from 'commander';
import type { LogFormat } from '../log.js';

import { configOption, loadOrExit, logFormatOption } from './options.js';

export function registerRunCommand(program: Command): void {
  program.command('run')
    .description('run the monitor until SIGTERM or SIGINT; SIGHUP reloads the config')
    .addOption(configOption())
    .addOption(logFormatOption())
    .option('--log-level <level>', 'log level (overrides log.level in the config)')
    .option('--listen <host:port>', 'address for /metrics, /status, /healthz (overrides listen in the config)')
    .action(async (opts: { config: string; logFormat?: LogFormat; logLevel?: string; listen?: string }) => {
      await loadOrExit(opts.config); // validate first, so a bad config exits 2 before anything starts
      // Heavy parts (fastify, ssh2, the terminal emulator) load only for the command that needs them.
      const { Daemon } = await import('../daemon.js');
      const daemon = await Daemon.start({ configPath: opts.config, logFormat: opts.logFormat, logLevel: opts.logLevel, listen: opts.listen });
      let signals = 0;
      const shutdown = (signal: string) => {
        if (++signals > 1) { daemon.logger.warn({ signal }, 'second signal: exiting now'); process.exit(1); }
        daemon.logger.info({ signal }, 'shutting down');
        void daemon.stop().then(() => process.exit(0), (e: unknown) => { daemon.logger.error({ err: e }, 'error while stopping'); process.exit(1); });
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGHUP', () => {
        daemon.reload().catch((e: unknown) => daemon.logger.error({ err: (e as Error).message }, 'config reload failed'));
      });
    });
}
