import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpProbe } from '../src/checks/http/probe.js';
import type { ProbeResult } from '../src/checks/types.js';
import { Scheduler } from '../src/scheduler.js';
import { httpCheck } from './helpers/config.js';
import { startHttpServer } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

/** An HTTP server that answers after `delayMs` and counts the most requests it held at once. */
async function countingServer(delayMs: number): Promise<{ url: string; maxActive(): number; arrived(): number; close(): Promise<void> }> {
  let active = 0;
  let max = 0;
  let arrived = 0;
  const server = await startHttpServer((_req, res) => {
    arrived++;
    active++;
    max = Math.max(max, active);
    setTimeout(() => { active--; res.end('ok'); }, delayMs);
  });
  return { url: server.url, maxActive: () => max, arrived: () => arrived, close: () => server.close() };
}

test('a slow check never overlaps itself: the tick that finds it running is skipped and counted', async () => {
  const slow = await countingServer(1500);
  const cfg = httpCheck({ url: `${slow.url}/up`, schedule: '* * * * * *', timeout: '3s' });
  const results: ProbeResult[] = [];
  const skipped: string[] = [];
  const scheduler = new Scheduler([{ config: cfg, probe: new HttpProbe(cfg, { baseDir: '.' }) }], {
    onResult: (r) => results.push(r),
    onSkip: (name) => skipped.push(name),
  });
  try {
    scheduler.start();
    await waitFor(() => results.length >= 2 && skipped.length >= 1, 'two runs and a skip', 8000);
    assert.equal(slow.maxActive(), 1, 'never two runs of one check at once');
    assert.ok(results.every((r) => r.ok), 'each run passed');
    assert.deepEqual([...new Set(skipped)], ['up']);
  } finally {
    await scheduler.stop();
    await slow.close();
  }
  assert.equal(scheduler.running, false);
});

test('stop waits for the run in flight and starts no more', async () => {
  let arrived = 0;
  const server = await startHttpServer((_req, res) => { arrived++; setTimeout(() => res.end('ok'), 300); });
  const cfg = httpCheck({ url: `${server.url}/up`, schedule: '* * * * * *', timeout: '2s' });
  const results: ProbeResult[] = [];
  const scheduler = new Scheduler([{ config: cfg, probe: new HttpProbe(cfg, { baseDir: '.' }) }], {
    onResult: (r) => results.push(r), onSkip: () => {},
  });
  scheduler.start();
  await waitFor(() => arrived === 1, 'the run at start to reach the server');
  await scheduler.stop();
  assert.equal(results.length, 1, 'the in-flight run finished before stop returned');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(results.length, 1, 'nothing ran after stop');
  await server.close();
});

test('jitter delays a run by at most its bound', async () => {
  const server = await startHttpServer((_req, res) => res.end('ok'));
  const cfg = httpCheck({ url: `${server.url}/up`, schedule: '0 0 1 1 *', jitter: '300ms' });
  const results: ProbeResult[] = [];
  const scheduler = new Scheduler([{ config: cfg, probe: new HttpProbe(cfg, { baseDir: '.' }) }], {
    onResult: (r) => results.push(r), onSkip: () => {},
  });
  const t0 = Date.now();
  scheduler.start();
  await waitFor(() => results.length === 1, 'the start-up run');
  assert.ok(Date.now() - t0 < 1000);
  await scheduler.stop();
  await server.close();
});

test('max concurrent probes: the rest wait their turn, every one runs, each timeout starts with its turn; stop turns the waiting away', async () => {
  const server = await countingServer(300);
  // Six checks due at once, two slots, 400 ms timeouts: waiting three turns (900 ms) must not time them out.
  const checks = Array.from({ length: 6 }, (_, i) => {
    const cfg = httpCheck({ name: `c${i}`, url: `${server.url}/up`, schedule: '0 0 1 1 *', timeout: '400ms' });
    return { config: cfg, probe: new HttpProbe(cfg, { baseDir: '.' }) };
  });
  const results: ProbeResult[] = [];
  const scheduler = new Scheduler(checks, { onResult: (r) => results.push(r), onSkip: () => {} }, 2);
  try {
    scheduler.start();
    assert.equal(scheduler.waiting, 4, 'four wait for the two slots');
    await waitFor(() => results.length === 6, 'all six runs', 5000);
    assert.equal(scheduler.waiting, 0);
    assert.equal(server.maxActive(), 2);
    assert.deepEqual(results.map((r) => r.ok), [true, true, true, true, true, true], results.map((r) => r.message).join('; '));
  } finally {
    await scheduler.stop();
  }
  // Stopped with runs waiting: they never start, and stop does not hang on them.
  results.length = 0;
  const again = new Scheduler(checks, { onResult: (r) => results.push(r), onSkip: () => {} }, 1);
  const arrivedBefore = server.arrived();
  again.start();
  await waitFor(() => server.arrived() === arrivedBefore + 1, 'the run with the one slot to reach the server');
  await again.stop();
  assert.equal(results.length, 1, 'only the run that had its slot');
  await server.close();
});

test('stalled: a run that hangs past its timeout, or a tick that never came, is named (read on an injected clock)', async () => {
  // A probe that never answers and ignores its timeout: what a stuck scheduler would look like.
  const hang = { target: 'nowhere', run: () => new Promise<never>(() => {}) };
  // Yearly (node-cron reads it in local time), so that no tick comes during the test.
  const cfg = httpCheck({ url: 'http://127.0.0.1:9/up', schedule: '0 0 0 1 1 *', timeout: '2s' });
  const scheduler = new Scheduler([{ config: cfg, probe: hang as never }], { onResult: () => {}, onSkip: () => {} });
  scheduler.start();
  const t0 = Date.now();
  assert.equal(scheduler.stalled(t0), undefined, 'a run just begun is not stalled');
  assert.equal(scheduler.stalled(t0 + 63_000), undefined, 'within two timeouts and a minute');
  assert.match(scheduler.stalled(t0 + 65_000) ?? '', /check up: its run has gone 6\ds, past its timeout/);
  // The next tick is due on January 1st; more than a minute past it, with no tick, is a stall.
  const due = new Date(new Date(t0).getFullYear() + 1, 0, 1).getTime();
  assert.doesNotMatch(scheduler.stalled(due + 59_000) ?? '', /has not started/);
  assert.match(scheduler.stalled(due + 61_000) ?? '', /check up: its run due 61s ago has not started/);
  await scheduler.stop();
});

test('an on-demand run (/probe) waits its turn within the same cap as the scheduled runs; none once stopping', async () => {
  const slow = await countingServer(400);
  const cfg = httpCheck({ url: `${slow.url}/up`, schedule: '0 0 0 1 1 *', timeout: '3s' });
  const order: string[] = [];
  const scheduler = new Scheduler([{ config: cfg, probe: new HttpProbe(cfg, { baseDir: '.' }) }], {
    onResult: () => order.push('scheduled run done'), onSkip: () => {},
  }, 1);
  scheduler.start();
  const extra = await scheduler.withSlot(async () => { order.push('on-demand run'); return 42; });
  assert.equal(extra, 42);
  assert.deepEqual(order, ['scheduled run done', 'on-demand run']);
  await scheduler.stop();
  assert.equal(await scheduler.withSlot(async () => 1), undefined);
  await slow.close();
});

test('from a trial: the run at start overlapping the first tick is that tick\'s run, not a skipped one (it was a warning at every start)', async () => {
  let n = 0;
  const server = await startHttpServer((_req, res) => { if (n++ === 0) setTimeout(() => res.end('ok'), 700); else res.end('ok'); });
  const cfg = httpCheck({ url: `${server.url}/up`, schedule: '* * * * * *', timeout: '3s' });
  const results: ProbeResult[] = [];
  const skipped: string[] = [];
  const scheduler = new Scheduler([{ config: cfg, probe: new HttpProbe(cfg, { baseDir: '.' }) }], { onResult: (r) => results.push(r), onSkip: (name) => skipped.push(name) });
  try {
    // Started in the second half of a second, the 700 ms run at start spans the next tick, and only that one.
    await waitFor(() => Date.now() % 1000 >= 500 && Date.now() % 1000 < 600, 'the second half of a second', 2000, 5);
    scheduler.start();
    await waitFor(() => results.length >= 3, 'the run at start and two more', 8000);
    assert.deepEqual(skipped, []);
  } finally {
    await scheduler.stop();
    await server.close();
  }
});
