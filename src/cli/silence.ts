/**
 * `foglet-monitor silence add|list|expire`: talks to a running monitor's
 * /api/silences with the api.token bearer token, as amtool talks to Alertmanager.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { formatMatcher, parseMatcher, type Matcher } from '../alerts/silences.js';
import { renderTable } from './table.js';

interface ClientOptions { url: string; token?: string }

class UsageError extends Error {}

async function call(opts: ClientOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = opts.token ?? process.env.FOGLET_MONITOR_API_TOKEN;
  if (!token) throw new UsageError('no API token: pass --token or set FOGLET_MONITOR_API_TOKEN (the api.token of the monitor)');
  let res: Response;
  try {
    res = await fetch(new URL(path, opts.url), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new Error(`cannot reach the monitor at ${opts.url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text; }
  if (!res.ok) throw new Error(`the monitor answered ${res.status}: ${(json as { error?: string })?.error ?? text}`);
  return json;
}

function clientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the running monitor', process.env.FOGLET_MONITOR_URL ?? 'http://127.0.0.1:9477')
    .option('--token <token>', 'its api.token (default: $FOGLET_MONITOR_API_TOKEN)');
}

function fail(e: unknown): never {
  process.stderr.write(`foglet-monitor silence: ${(e as Error).message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}

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
        const matchers = matcherArgs.map((m) => { try { return parseMatcher(m); } catch (e) { throw new UsageError((e as Error).message); } });
        const ms = parseDuration(opts.duration);
        if (ms === undefined || ms <= 0) throw new UsageError(`expected a duration such as 2h or 30m, got ${JSON.stringify(opts.duration)}`);
        const res = await call(opts, 'POST', '/api/silences', {
          matchers, endsAt: new Date(Date.now() + ms).toISOString(), comment: opts.comment, createdBy: opts.author,
        }) as { silenceID: string };
        process.stdout.write(`${res.silenceID}\n`);
      } catch (e) { fail(e); }
    });

  clientOptions(silence.command('list'))
    .description('list silences (active, pending, and those expired in the last day)')
    .option('--json', 'the silences as a JSON array')
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      try {
        const list = await call(opts, 'GET', '/api/silences') as ListedSilence[];
        if (opts.json) { process.stdout.write(`${JSON.stringify(list, null, 2)}\n`); return; }
        process.stdout.write(`${renderTable(['ID', 'STATE', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'], list.map((s) => [
          s.id, s.status.state, s.matchers.map(formatMatcher).join(' '), s.endsAt, s.createdBy, s.comment,
        ]))}\n`);
      } catch (e) { fail(e); }
    });

  clientOptions(silence.command('expire'))
    .description('end a silence now')
    .argument('<id>', 'the silence id (from add or list)')
    .action(async (id: string, opts: ClientOptions) => {
      try {
        await call(opts, 'DELETE', `/api/silences/${encodeURIComponent(id)}`);
        process.stdout.write(`expired ${id}\n`);
      } catch (e) { fail(e); }
    });
}
