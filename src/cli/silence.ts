/**
 * `foglet-monitor silence add|list|expire`: talks to a running monitor's
 * /api/silences with the api.token bearer token, as amtool talks to Alertmanager.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { parseDuration } from '../schema/duration.js';
import type { Matcher } from '../alerts/silences.js';
import { callApi as call, failCommand, UsageError, withClientOptions as clientOptions, type ClientOptions } from './api-client.js';
import { renderTable } from './table.js';

interface ListedSilence { id: string; matchers: Matcher[]; startsAt: string; endsAt: string; createdBy: string; comment: string; status: { state: string } }

export function registerSilenceCommands(program: Command): void {
  const silence = program.command('silence').description('add, list and expire silences on a running monitor');

  clientOptions(silence.command('add'))
    .description('silence the alerts whose labels match every matcher (check=ssh-login, severity!=info, rule=~"smtp.*")')
    .argument('<matchers...>', 'label matchers, as amtool writes them')
    .option('-d, --duration <duration>', 'how long', '1h')
    .requiredOption('--comment <text>', 'why (shown to whoever looks next)')
    .option('--author <name>', 'who', os.userInfo().username)
    .action(async (matcherArgs: string[], opts: ClientOptions & { duration: string; comment: string; author: string }) => {
      try {
        const { parseMatcher } = await import('../alerts/silences.js');
        const matchers = matcherArgs.map((m) => { try { return parseMatcher(m); } catch (e) { throw new UsageError((e as Error).message); } });
        const ms = parseDuration(opts.duration);
        if (ms === undefined || ms <= 0) throw new UsageError(`expected a duration such as 2h or 30m, got ${JSON.stringify(opts.duration)}`);
        const res = await call(opts, 'POST', '/api/silences', {
          matchers, endsAt: new Date(Date.now() + ms).toISOString(), comment: opts.comment, createdBy: opts.author,
        }) as { silenceID: string };
        process.stdout.write(`${res.silenceID}\n`);
      } catch (e) { failCommand('silence', e); }
    });

  clientOptions(silence.command('list'))
    .description('list silences (active, pending, and those expired in the last day)')
    .option('--json', 'the silences as a JSON array')
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      try {
        const list = await call(opts, 'GET', '/api/silences') as ListedSilence[];
        const { formatMatcher } = await import('../alerts/silences.js');
        if (opts.json) { process.stdout.write(`${JSON.stringify(list, null, 2)}\n`); return; }
        process.stdout.write(`${renderTable(['ID', 'STATE', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'], list.map((s) => [
          s.id, s.status.state, s.matchers.map(formatMatcher).join(' '), s.endsAt, s.createdBy, s.comment,
        ]))}\n`);
      } catch (e) { failCommand('silence', e); }
    });

  clientOptions(silence.command('expire'))
    .description('end a silence now')
    .argument('<id>', 'the silence id (from add or list)')
    .action(async (id: string, opts: ClientOptions) => {
      try {
        await call(opts, 'DELETE', `/api/silences/${encodeURIComponent(id)}`);
        process.stdout.write(`expired ${id}\n`);
      } catch (e) { failCommand('silence', e); }
    });
}
