/**
 * `foglet-monitor release start|finish|fail VERSION`: release marks from a deploy
 * pipeline to a running monitor (`POST /api/releases`), and `release list`.
 */
import type { Command } from 'commander';
import { callApi, failCommand, UsageError, withClientOptions, type ClientOptions } from './api-client.js';
import { renderTable } from './table.js';

interface ListedRelease { version: string; status: string; startedAt: string; finishedAt?: string; failedAt?: string }

export function registerReleaseCommands(program: Command): void {
  const release = program.command('release').description('mark releases on a running monitor (for deploy pipelines), and list them');
  for (const [name, status, what] of [
    ['start', 'started', 'a deploy of VERSION begins: the deploy window opens'],
    ['finish', 'finished', 'the deploy of VERSION is done: the window closes after releases.grace'],
    ['fail', 'failed', 'the deploy of VERSION failed: the window closes now'],
  ] as const) {
    withClientOptions(release.command(name))
      .description(what)
      .argument('<version>', 'the release, e.g. a git SHA or v42')
      .option('--at <time>', 'when, ISO 8601 (default: now)')
      .action(async (version: string, opts: ClientOptions & { at?: string }) => {
        try {
          if (opts.at !== undefined && Number.isNaN(Date.parse(opts.at))) throw new UsageError(`expected an ISO 8601 time for --at, got ${JSON.stringify(opts.at)}`);
          const marked = await callApi(opts, 'POST', '/api/releases', { version, status, ...(opts.at ? { at: new Date(opts.at).toISOString() } : {}) }) as { startAssumed?: boolean } | undefined;
          process.stdout.write(`${version} ${status}\n`);
          if (marked?.startAssumed) {
            process.stderr.write(`note: the monitor had no start mark for ${version}; it takes the deploy to have started at this ${name}, so only the grace period after it holds alerts back (mark "release start" before deploying next time)\n`);
          }
        } catch (e) { failCommand(`release ${name}`, e); }
      });
  }
  withClientOptions(release.command('list'))
    .description('the releases the monitor knows, newest first')
    .option('--json', 'as a JSON array')
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      try {
        const list = await callApi(opts, 'GET', '/api/releases') as ListedRelease[];
        if (opts.json) { process.stdout.write(`${JSON.stringify(list, null, 2)}\n`); return; }
        process.stdout.write(`${renderTable(['VERSION', 'STATUS', 'STARTED', 'FINISHED'], list.map((r) => [
          r.version, r.status, r.startedAt, r.finishedAt ?? r.failedAt ?? '',
        ]))}\n`);
      } catch (e) { failCommand('release list', e); }
    });
}
