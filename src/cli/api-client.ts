/**
 * The client side of the monitor's write API, for the commands that talk to a
 * running monitor (`silence`, `release`): --url, --token, errors that say which.
 */
import { Option, type Command } from 'commander';

export interface ClientOptions { url: string; token?: string }

/** Bad usage: exit 2. Anything else the monitor said: exit 1. */
export class UsageError extends Error {}

export async function callApi(opts: ClientOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = opts.token ?? process.env.FOGLET_MONITOR_API_TOKEN;
  if (!token) throw new UsageError('no API token: pass --token or set FOGLET_MONITOR_API_TOKEN (the api.token of the monitor)');
  let base: URL;
  try {
    base = new URL(opts.url);
  } catch {
    throw new UsageError(`--url ${opts.url} is not a URL (for example http://127.0.0.1:9477)`);
  }
  // fetch refuses a URL with credentials, with an error that names neither: the API's own
  // credential is the token, sent as a bearer header (where a proxy's Basic password would go too).
  if (base.username || base.password) throw new UsageError(`--url ${opts.url} carries a user:password, which is never sent: the monitor's API is authenticated by its token (--token or FOGLET_MONITOR_API_TOKEN); give the URL without it`);
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const cause = (e as Error).cause;
    throw new Error(`cannot reach the monitor at ${opts.url}: ${cause instanceof Error ? cause.message : (e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text; }
  if (!res.ok) throw new Error(`the monitor answered ${res.status}: ${(json as { error?: string })?.error ?? text}`);
  return json;
}

/**
 * A URL's user:password, hidden wherever the CLI prints a URL (an error, --help's default): up
 * to the authority's last `@`, where the URL parser ends it too (a password with `@` in it).
 */
export function hideUserinfo(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]{0,20}:\/\/)[^/?#\s]{0,1024}@/gi, '$1<redacted>@');
}

export function withClientOptions(cmd: Command): Command {
  const fromEnv = process.env.FOGLET_MONITOR_URL;
  // --help shows where the default comes from, never the URL itself (it may carry a password).
  return cmd
    .addOption(new Option('--url <url>', 'the running monitor').default(fromEnv ?? 'http://127.0.0.1:9477', fromEnv ? '$FOGLET_MONITOR_URL' : '$FOGLET_MONITOR_URL, else http://127.0.0.1:9477'))
    .option('--token <token>', 'its api.token (default: $FOGLET_MONITOR_API_TOKEN)');
}

export function failCommand(command: string, e: unknown): never {
  process.stderr.write(`foglet-monitor ${command}: ${hideUserinfo((e as Error).message)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
