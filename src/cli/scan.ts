/** `scan`: log files classified offline with the daemon's rules. */
import { Command, Option } from 'commander';
import { stat } from 'node:fs/promises';
import { defaultLogs } from '../logs/default-logs.js';
import { scanFile, scanStream, type ScanMatch } from '../logs/scan.js';
import { pipelineSetup } from '../logs/setup.js';
import { severityRank, type Severity } from '../signals.js';
import { renderTable } from './table.js';

import { loadOrExit, logsWithRulesOrExit } from './options.js';

export function registerScanCommand(program: Command): void {
  program.command('scan')
    .description('classify log files offline with the same rules as the daemon; exit 1 when a match reaches --fail-on')
    .argument('<files...>', 'log files, or - for standard input')
    .option('-c, --config <file>', 'take logs.* (rules, packs, overrides, restart_loop) from this config')
    .option('--rules <file>', 'extra rules: a YAML file with a list under "rules:"')
    .option('--json', 'one JSON object per match: source, line, category, rule, severity, text')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a match has this severity or higher').choices(['critical', 'warning', 'info']))
    .action(async (files: string[], opts: { config?: string; rules?: string; json?: boolean; failOn?: Severity }) => {
      const logs = await logsWithRulesOrExit(opts.config ? (await loadOrExit(opts.config)).logs : await defaultLogs(), opts.rules);
      let setup;
      try {
        setup = pipelineSetup(logs);
      } catch (e) {
        process.stderr.write(`foglet-monitor scan: ${(e as Error).message}\n`);
        process.exit(2);
      }
      const progress = process.stderr.isTTY === true;
      const all: ScanMatch[] = [];
      let lines = 0;
      let cut = 0;
      for (const file of files) {
        let summary;
        try {
          if (file === '-') summary = await scanStream(process.stdin, '-', setup);
          else {
            const size = (await stat(file)).size;
            summary = await scanFile(file, setup, progress ? (bytes) => {
              process.stderr.write(`\r${file}: ${Math.round((bytes / Math.max(size, 1)) * 100)}% (${Math.round(bytes / 1048576)} MiB)`);
            } : undefined);
            if (progress && size >= 64 * 1024 * 1024) process.stderr.write('\n');
          }
        } catch (e) {
          process.stderr.write(`foglet-monitor scan: cannot read ${file}: ${(e as Error).message}\n`);
          process.exit(2);
        }
        all.push(...summary.matches);
        lines += summary.lines;
        cut += summary.cut;
      }
      if (opts.json) {
        for (const m of all) process.stdout.write(`${JSON.stringify(m)}\n`);
      } else {
        if (all.length > 0) {
          process.stdout.write(renderTable(['SOURCE', 'LINE', 'SEVERITY', 'CATEGORY', 'RULE', 'TEXT'],
            all.map((m) => [m.source, String(m.line), m.severity, m.category, m.rule, m.text.split('\n')[0]!.slice(0, 160)])) + '\n\n');
        }
        const byCategory = new Map<string, number>();
        for (const m of all) byCategory.set(m.category, (byCategory.get(m.category) ?? 0) + 1);
        process.stdout.write(`${lines} lines, ${all.length} matches${cut ? `, ${cut} long lines cut` : ''}\n`);
        for (const [category, n] of [...byCategory].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${category.padEnd(20)} ${n}\n`);
      }
      if (opts.failOn && all.some((m) => severityRank(m.severity) >= severityRank(opts.failOn!))) process.exitCode = 1;
    });
}
