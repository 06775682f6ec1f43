/**
 * One way to POST JSON to a receiver and retry it: the alert sinks (through the notifier's
 * persisted queue), the notifier's backoff, and release announcements (a few attempts, no queue)
 * all use it, so a 429's Retry-After, a 4xx that will never be accepted and a timeout mean the
 * same everywhere.
 */
import { request } from 'undici';
import { VERSION } from './version.js';

/** A failed delivery: retried (429, 5xx, timeouts, network) or dropped (any other 4xx). */
export class DeliveryError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly status?: number, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** POSTs a JSON body; resolves on 2xx, else throws a DeliveryError that says whether to retry. */
export function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  return sendRequest(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, timeoutMs });
}

/** One request (a heartbeat's GET as well as a sink's POST); resolves on 2xx, else throws a DeliveryError. */
export async function sendRequest(url: string, opts: { method: 'GET' | 'POST' | 'HEAD'; body?: string; headers: Record<string, string>; timeoutMs: number }): Promise<void> {
  const { timeoutMs } = opts;
  let res;
  try {
    res = await request(url, {
      method: opts.method,
      body: opts.body,
      headers: { 'user-agent': `foglet-monitor/${VERSION}`, ...opts.headers },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // A timeout, a refused connection, a reset: the receiver may be back soon.
    throw new DeliveryError(`request failed: ${(e as Error).message}`, true);
  }
  const text = (await res.body.text().catch(() => '')).slice(0, 300);
  if (res.statusCode >= 200 && res.statusCode < 300) return;
  const retryable = res.statusCode === 429 || res.statusCode >= 500;
  const retryAfter = Number(res.headers['retry-after']);
  throw new DeliveryError(`HTTP ${res.statusCode}${text ? `: ${text}` : ''}`, retryable, res.statusCode,
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined);
}

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * How long to wait before the next attempt after `attempts` failed ones: exponential with
 * jitter (half to all of it, so many senders do not retry in step), at least the receiver's
 * Retry-After, at most maxBackoffMs.
 */
export function retryDelayMs(attempts: number, err: DeliveryError, policy: RetryPolicy, random: () => number = Math.random): number {
  const backoff = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.min(policy.maxBackoffMs, Math.max(err.retryAfterMs ?? 0, backoff * (0.5 + random() / 2)));
}

/** Any failure as a DeliveryError: one that is not says nothing against a retry (a network error). */
export function asDeliveryError(e: unknown): DeliveryError {
  return e instanceof DeliveryError ? e : new DeliveryError((e as Error).message, true);
}

/**
 * Sends until it is accepted, refused for good, or `attempts` are spent; throws the last error.
 * For what has no queue of its own (release announcements): the alert sinks retry through the
 * notifier, which survives restarts.
 */
export async function sendWithRetry(
  send: () => Promise<void>,
  policy: RetryPolicy & { attempts: number },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((res) => setTimeout(res, ms)),
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const err = asDeliveryError(e);
      if (!err.retryable || attempt >= policy.attempts) throw err;
      await sleep(retryDelayMs(attempt, err, policy));
    }
  }
}
