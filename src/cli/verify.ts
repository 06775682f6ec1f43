/** `verify`: a release watched for a window, and Foglet's post-release checklist printed. */
import path from 'node:path';
import { Command, Option } from 'commander';
import { parseDuration } from '../schema/duration.js';
import { renderTable } from './table.js';

import { configOption, loadOrExit } from './options.js';

export function registerVerifyCommand(program: Command): void {
  program.command('verify')
    .description('watch a release for a window (checks, logs) and print Foglet\'s post-release checklist; exit 0 healthy or degraded, 1 failed')
    .addOption(configOption())
    .option('--window <duration>', 'how long to watch', '10m')
    .option('--interval <duration>', 'time between probe rounds (raised to respect Foglet\'s SSH rate limit)', '15s')
    .option('--since <time>', 'read logs from this ISO 8601 time (default: from now)')
    .option('--release <version>', 'the release being verified, for the report')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json', 'markdown']).default('table'))
    .action(async (opts: { config: string; window: string; interval: string; since?: string; release?: string; format: 'table' | 'json' | 'markdown' }) => {
      const windowMs = parseDuration(opts.window);
      const intervalMs = parseDuration(opts.interval);
      const since = opts.since === undefined ? undefined : Date.parse(opts.since);
      if (windowMs === undefined || intervalMs === undefined || (since !== undefined && Number.isNaN(since))) {
        process.stderr.write('foglet-monitor verify: expected durations for --window and --interval (10m, 15s) and an ISO 8601 time for --since\n');
        process.exit(2);
      }
      const config = await loadOrExit(opts.config);
      const { Redactor } = await import('../config/redact.js');
      const redactor = Redactor.fromConfig(config);
      const { verifyRelease, reportMarkdown, reportTable } = await import('../release/verify.js');
      const tty = process.stderr.isTTY === true;
      const report = await verifyRelease({
        config, baseDir: path.dirname(path.resolve(opts.config)), windowMs, intervalMs, since, release: opts.release,
        onProgress: tty ? ({ leftMs, items, runs }) => {
          const ok = items.filter((i) => i.verdict === 'ok').length;
          const bad = items.filter((i) => i.verdict === 'failed' || i.verdict === 'degraded').length;
          process.stderr.write(`\rverify: ${ok}/${items.length} ok, ${bad} failing, ${runs} round(s), ${Math.ceil(leftMs / 1000)}s left   `);
        } : undefined,
      });
      if (tty) process.stderr.write('\n');
      const out = opts.format === 'json' ? JSON.stringify(report, null, 2)
        : opts.format === 'markdown' ? reportMarkdown(report) : reportTable(report, renderTable);
      process.stdout.write(`${redactor.redact(out)}\n`);
      process.exitCode = report.verdict === 'failed' ? 1 : 0;
    });
}
