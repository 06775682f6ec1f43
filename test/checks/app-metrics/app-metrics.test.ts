import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppMetricsProbe, appMetricsSignals } from '../../../src/checks/app-metrics/probe.js';
import type { ScrapeMemory } from '../../../src/checks/app-metrics/foglet-metrics.js';
import { runProbe } from '../../../src/checks/runner.js';
import type { ProbeResult } from '../../../src/checks/types.js';
import { validateConfig } from '../../../src/config/load.js';
import type { AppMetricsCheckConfig } from '../../../src/config/schema.js';
import { FakeFoglet } from '../../../src/demo/fake-foglet.js';
import { closedPort, startHttpServer, startTcpServer, type TestServer } from '../../helpers/servers.js';
import { checkRuns, startStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait.js';

function appCheck(fields: Record<string, unknown>): AppMetricsCheckConfig {
  return validateConfig({ checks: [{ name: 'app', kind: 'app_metrics', timeout: '2s', ...fields }] }).checks[0] as AppMetricsCheckConfig;
}

/** A probe with its own memory, run as the scheduler would, one scrape per call. */
function scraper(fields: Record<string, unknown>) {
  const cfg = appCheck(fields);
  const memory = new Map<string, ScrapeMemory>();
  const probe = new AppMetricsProbe(cfg, { baseDir: process.cwd(), scrapeMemory: memory });
  return { run: () => runProbe(cfg, probe), memory };
}

const finding = (r: ProbeResult, id: string) => (r.details?.findings ?? []).find((f) => f.id === id);

describe('app_metrics against the fake board', () => {
  let board: FakeFoglet;
  before(async () => { board = await FakeFoglet.start(); });
  after(() => board.stop());

  test('counters that reset between scrapes are one restart, not one per counter', async () => {
    const s = scraper({ url: board.metricsUrl });
    for (let i = 0; i < 3; i++) await fetch(`${board.httpUrl}/up`);
    const first = await s.run();
    assert.equal(first.ok, true, first.message);
    assert.equal(first.details?.restarted, false);
    assert.ok((first.details?.series ?? 0) >= 5);
    assert.deepEqual(Object.keys(first.phases).sort(), ['parse', 'scrape']);
    await fetch(`${board.httpUrl}/up`);
    assert.equal((await s.run()).details?.restarted, false, 'counters that grew are no restart');

    board.metrics.fault('restart');
    const afterRestart = await s.run();
    assert.equal(afterRestart.details?.restarted, true, 'only gauges left: Foglet restarted');
    assert.match(afterRestart.message ?? '', /Foglet restarted/);
    assert.equal((await s.run()).details?.restarted, false, 'the next scrape is not a second restart');
    assert.equal(finding(afterRestart, 'restart_loop')?.ok, true, 'one restart is no loop');
  });

  test('three restarts within the window are a restart loop', async () => {
    const s = scraper({ url: board.metricsUrl, thresholds: { restart_loop: { restarts: 3, window: '10m' } } });
    let last: ProbeResult | undefined;
    for (let i = 0; i < 3; i++) {
      // Counters must have something in them on both sides of a restart for it to show.
      await fetch(`${board.httpUrl}/up`);
      await fetch(`${board.httpUrl}/up`);
      assert.equal((await s.run()).details?.restarted, false);
      board.metrics.fault('restart');
      await fetch(`${board.httpUrl}/up`);
      last = await s.run();
      assert.equal(last.details?.restarted, true);
    }
    const loop = finding(last!, 'restart_loop');
    assert.equal(loop?.ok, false);
    assert.equal(loop?.value, 3);
  });

  test('sessions near the cap, memory, door errors and a slow Repo are findings; they clear', async () => {
    const s = scraper({ url: board.metricsUrl });
    await s.run();
    board.metrics.fault('sessions_full');
    board.metrics.fault('memory_high');
    board.metrics.fault('door_errors');
    board.metrics.fault('slow_repo');
    const bad = await s.run();
    assert.equal(bad.ok, true, 'the scrape itself worked');
    for (const id of ['sessions_near_cap', 'memory', 'door_launch_errors', 'repo_queue_time']) {
      assert.equal(finding(bad, id)?.ok, false, `${id}: ${finding(bad, id)?.summary}`);
    }
    assert.equal(finding(bad, 'sessions_near_cap')?.value, 480 + board.ssh.activeSessions);
    board.metrics.fault('none');
    const good = await s.run();
    for (const id of ['sessions_near_cap', 'memory', 'door_launch_errors']) assert.equal(finding(good, id)?.ok, true, id);
    assert.equal(finding(good, 'repo_queue_time')?.ok, true, 'no queries since the last scrape: no wait, the finding clears');
  });
});

describe('app_metrics findings from a scripted endpoint', () => {
  let server: TestServer;
  let body = '';
  before(async () => {
    server = await startHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
  });
  after(() => server.close());

  const auth = (ok: number, failed: number) => [
    '# TYPE foglet_ssh_auth_outcomes_total counter',
    `foglet_ssh_auth_outcomes_total{method="publickey",outcome="success"} ${ok}`,
    `foglet_ssh_auth_outcomes_total{method="publickey",outcome="rejected"} ${failed}`,
    '# TYPE foglet_ssh_sessions_active gauge',
    'foglet_ssh_sessions_active{kind="total"} 3',
  ].join('\n');

  test('the share of failed auth outcomes between two scrapes, judged past a minimum count', async () => {
    const s = scraper({ url: `${server.url}/metrics`, thresholds: { auth_min_attempts: 10, auth_failure_ratio: 0.5 } });
    body = auth(100, 100);
    const first = await s.run();
    assert.equal(finding(first, 'auth_failures'), undefined, 'a rate needs two scrapes');
    body = auth(102, 103);
    assert.equal(finding(await s.run(), 'auth_failures')?.ok, true, '5 outcomes: below the minimum, so not judged bad');
    body = auth(104, 120);
    const bad = finding(await s.run(), 'auth_failures');
    assert.equal(bad?.ok, false, bad?.summary);
    assert.equal(bad?.value, 0.895);
    body = auth(200, 121);
    assert.equal(finding(await s.run(), 'auth_failures')?.ok, true);
  });

  test('a counter that went down is a restart even when other counters grew', async () => {
    const s = scraper({ url: `${server.url}/metrics` });
    body = auth(50, 5);
    await s.run();
    body = auth(60, 1);
    assert.equal((await s.run()).details?.restarted, true);
  });

  test('a page that is not Prometheus text, or not Foglet\'s, fails with protocol_error', async () => {
    const s = scraper({ url: `${server.url}/metrics` });
    body = '<html><body>Fly.io proxy error</body></html>';
    const html = await s.run();
    assert.equal(html.ok, false);
    assert.equal(html.reason, 'protocol_error');
    assert.match(html.message ?? '', /no Prometheus metrics/);
    body = '# TYPE node_load1 gauge\nnode_load1 0.5\n';
    const other = await s.run();
    assert.equal(other.reason, 'protocol_error');
    assert.match(other.message ?? '', /no foglet_\* metric/);
  });
});

describe('app_metrics against hostile endpoints', () => {
  test('404, refused, silent and endless endpoints fail with a named reason inside the timeout', async () => {
    const board = await FakeFoglet.start();
    const silent = await startTcpServer(() => { /* accept, say nothing */ });
    const endless = await startHttpServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, '#');
      const pump = () => { while (res.write(chunk)) { /* fill the socket buffer */ } };
      res.on('drain', pump);
      pump();
    });
    try {
      const notFound = await scraper({ url: board.metricsUrl.replace('/metrics', '/stats') }).run();
      assert.equal(notFound.reason, 'http_status');
      const refused = await scraper({ url: `http://127.0.0.1:${await closedPort()}/metrics` }).run();
      assert.equal(refused.reason, 'connect_refused');
      const t0 = performance.now();
      const hung = await scraper({ url: `${silent.url.replace('tcp:', 'http:')}/metrics`, timeout: '300ms' }).run();
      assert.equal(hung.reason, 'timeout');
      assert.ok(performance.now() - t0 < 2000);
      const big = await scraper({ url: `${endless.url}/metrics`, max_body_bytes: 65536 }).run();
      assert.equal(big.reason, 'protocol_error');
      assert.match(big.message ?? '', /max_body_bytes/);
    } finally {
      await Promise.all([board.stop(), silent.close(), endless.close()]);
    }
  });
});

describe('app_metrics in the daemon', () => {
  /** A monitor scraping the fake board every second, with a webhook and no deploy window. */
  const appStack = () => startStack(({ board, receiver }) => ({
    checks: [{ name: 'app', kind: 'app_metrics', url: board.metricsUrl, schedule: '* * * * * *', timeout: '2s' }],
    logs: { rule_packs: [] },
    alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: receiver.url }] },
    releases: { grace: '0s' },
  }));

  test('a board restart seen in its metrics is one restart notice, counted once, and a finding pages once', async () => {
    const stack = await appStack();
    try {
      const { board, receiver, base } = stack;
      const runs = async () => (await checkRuns(base))[0]!;
      // Traffic before the restart, so that there are counters to lose.
      for (let i = 0; i < 20; i++) await fetch(`${board.httpUrl}/up`);
      await waitFor(async () => (await runs()) >= 2, 'two scrapes', 5000);
      board.metrics.fault('restart');
      const notices = () => receiver.accepted.filter((r) => r.body.includes('counter_reset'));
      await waitFor(() => notices().length === 1, 'a restart notice', 5000);
      const seen = await runs();
      await waitFor(async () => (await runs()) >= seen + 2, 'two more scrapes', 5000);
      assert.equal(notices().length, 1, 'one restart, one notice');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /foglet_monitor_app_restarts_total\{check="app"\} 1\n/);

      board.metrics.fault('door_errors');
      const doorAlerts = () => receiver.accepted.filter((r) => r.body.includes('door_launch_errors'));
      await waitFor(() => doorAlerts().length >= 2, 'the door-error alert and its resolve', 6000);
      const states = doorAlerts().map((r) => (r.json as { status: string }).status);
      assert.deepEqual(states.slice(0, 2), ['firing', 'resolved']);
    } finally {
      await stack.stop();
    }
  });

  test('a slow Repo pages and resolves at the first scrape where it no longer holds', async () => {
    const stack = await appStack();
    try {
      const runs = async () => (await checkRuns(stack.base))[0]!;
      await waitFor(async () => (await runs()) >= 2, 'two scrapes', 5000);
      stack.board.metrics.fault('slow_repo');
      const slow = () => stack.receiver.accepted.filter((r) => r.body.includes('repo_queue_time')).map((r) => (r.json as { status: string }).status);
      await waitFor(() => slow().length >= 2, 'the slow-Repo alert and its resolve', 6000);
      assert.deepEqual(slow(), ['firing', 'resolved']);
    } finally {
      await stack.stop();
    }
  });
});

test('a finding raised before and not judged in a scrape that worked is over; a failed scrape says nothing', () => {
  const check = validateConfig({ checks: [{ name: 'app', kind: 'app_metrics', url: 'http://127.0.0.1:9/metrics' }] }).checks[0] as AppMetricsCheckConfig;
  const result = (ok: boolean): ProbeResult => ({
    check: 'app', kind: 'app_metrics', target: 't', ok, phases: {}, duration_seconds: 0, started_at: new Date().toISOString(),
    details: { findings: [] }, ...(ok ? {} : { reason: 'timeout' }),
  } as unknown as ProbeResult);
  const signals = appMetricsSignals(result(true), check, ['check:app:repo_queue_time']);
  assert.deepEqual(signals.map((x) => [x.key, x.ok]), [['check:app:repo_queue_time', true]]);
  assert.deepEqual(appMetricsSignals(result(false), check, ['check:app:repo_queue_time']), []);
});

