/** `check`: every check once, printed as a table or JSON lines; exit 1 when one failed. */
import path from 'node:path';
import { Command } from 'commander';
import type { PinnedKey } from '../checks/ssh/hostkey.js';
import { SECTIONS, StateStore, stateMap } from '../state.js';
import { renderTable, seconds } from './table.js';

import { configOption, loadOrExit } from './options.js';

export function registerCheckCommand(program: Command): void {
  program.command('check')
    .description('run every check once and print the results; exit 0 if all passed, 1 if any failed, 2 on a config error')
    .addOption(configOption())
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (opts: { config: string; json?: boolean }) => {
      const config = await loadOrExit(opts.config);
      const { Redactor } = await import('../config/redact.js');
      const redactor = Redactor.fromConfig(config);
      const progress = process.stderr.isTTY && !opts.json;
      if (progress) process.stderr.write(`running ${config.checks.length} check(s)…\n`);
      // The state file's host-key pins hold here too: a one-shot check flags a changed key.
      const baseDir = path.dirname(path.resolve(opts.config));
      const state = new StateStore(path.resolve(baseDir, config.state_file), { warn: (o, msg) => process.stderr.write(`warning: ${msg}\n`) });
      await state.load();
      const { runChecksOnce } = await import('../checks/once.js');
      const results = await runChecksOnce(config.checks, { baseDir, hostKeyPins: stateMap<PinnedKey>(state, SECTIONS.hostKeyPins), redact: (t) => redactor.redact(t) }, (r, done, total) => {
        if (progress) process.stderr.write(`  [${done}/${total}] ${r.check}: ${r.ok ? 'ok' : r.reason}\n`);
      });
      await state.flush();
      let out: string;
      if (opts.json) {
        out = results.map((r) => JSON.stringify({
          check: r.check, kind: r.kind, target: r.target, ok: r.ok, reason: r.reason ?? null,
          duration_seconds: r.duration_seconds, phases: r.phases, message: r.message ?? null,
          started_at: r.started_at, details: r.details ?? {},
        })).join('\n');
      } else {
        out = renderTable(['CHECK', 'KIND', 'TARGET', 'RESULT', 'DURATION', 'DETAIL'], results.map((r) => [
          r.check, r.kind, r.target, r.ok ? 'ok' : `FAIL ${r.reason ?? ''}`.trim(), seconds(r.duration_seconds), r.message ?? '',
        ]));
        const failed = results.filter((r) => !r.ok).length;
        out += `\n\n${results.length - failed} passed, ${failed} failed`;
      }
      if (out) process.stdout.write(`${redactor.redact(out)}\n`);
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });
}
