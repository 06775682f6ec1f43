import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryError, postJson, retryDelayMs, sendWithRetry } from '../src/http-post.js';
import { startHttpServer } from './helpers/servers.js';

/** A receiver that answers each POST with the next status of `answers` (the last one repeats). */
async function receiver(answers: Array<{ status: number; headers?: Record<string, string> }>) {
  const bodies: string[] = [];
  const server = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      bodies.push(body);
      const a = answers[Math.min(bodies.length - 1, answers.length - 1)]!;
      res.writeHead(a.status, a.headers).end('said');
    });
  });
  return { url: `${server.url}/hook`, bodies, close: server.close };
}

test('sendWithRetry: a 503 is retried until accepted, waiting at least what Retry-After asks', async () => {
  const r = await receiver([{ status: 503, headers: { 'retry-after': '7' } }, { status: 503 }, { status: 202 }]);
  const waits: number[] = [];
  try {
    await sendWithRetry(() => postJson(r.url, '{"n":1}', {}, 2000), { attempts: 5, initialBackoffMs: 10, maxBackoffMs: 60_000 }, async (ms) => { waits.push(ms); });
    assert.equal(r.bodies.length, 3);
    assert.ok(waits[0]! >= 7000, `Retry-After: 7 honoured (waited ${waits[0]})`);
    assert.ok(waits[1]! >= 10 && waits[1]! <= 20, `then exponential backoff with jitter (waited ${waits[1]})`);
  } finally {
    await r.close();
  }
});

test('sendWithRetry: a 400 is not retried (it will never be accepted), and attempts are bounded', async () => {
  const bad = await receiver([{ status: 400 }]);
  const down = await receiver([{ status: 500 }]);
  const waits: number[] = [];
  const policy = { attempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 };
  try {
    await assert.rejects(sendWithRetry(() => postJson(bad.url, '{}', {}, 2000), policy, async (ms) => { waits.push(ms); }),
      (e: DeliveryError) => e.status === 400 && !e.retryable);
    assert.equal(bad.bodies.length, 1);
    await assert.rejects(sendWithRetry(() => postJson(down.url, '{}', {}, 2000), policy, async (ms) => { waits.push(ms); }), /HTTP 500/);
    assert.equal(down.bodies.length, 3, 'three attempts, then the last error');
    assert.equal(waits.length, 2);
  } finally {
    await bad.close();
    await down.close();
  }
});

test('retryDelayMs: jitter between half and all of the backoff, capped, never below Retry-After (but capped too)', () => {
  const policy = { initialBackoffMs: 1000, maxBackoffMs: 60_000 };
  const plain = new DeliveryError('HTTP 503', true, 503);
  assert.equal(retryDelayMs(1, plain, policy, () => 0), 500);
  assert.equal(retryDelayMs(1, plain, policy, () => 1), 1000);
  assert.equal(retryDelayMs(3, plain, policy, () => 1), 4000);
  assert.equal(retryDelayMs(20, plain, policy, () => 1), 60_000);
  assert.equal(retryDelayMs(1, new DeliveryError('HTTP 429', true, 429, 30_000), policy, () => 0), 30_000);
  assert.equal(retryDelayMs(1, new DeliveryError('HTTP 429', true, 429, 3_600_000), policy, () => 0), 60_000);
});
