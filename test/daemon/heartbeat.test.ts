/** The daemon vouches for itself: a heartbeat sink calls at start and says the monitor is healthy, with the reasons when it is not. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { startDaemon } from '../helpers/daemon.js';
import { Receiver } from '../helpers/receiver.js';
import { startHttpServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

test('a heartbeat sink in the daemon: a beat as soon as it has started (not an interval later), none and no failure while it starts or stops', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-hb-'));
  const rx = await Receiver.start();
  const board = await startHttpServer((_req, res) => res.end('ok'));
  const daemon = await startDaemon({
    config: validateConfig({
      state_file: path.join(dir, 'state.json'),
      checks: [{ name: 'up', kind: 'http', url: `${board.url}/up`, schedule: '*/5 * * * * *', timeout: '2s' }],
      alerts: { sinks: [{ name: 'alive', kind: 'heartbeat', url: `${rx.url}/ping/abc123`, fail_url: `${rx.url}/ping/abc123/fail`, interval: '1h' }] },
    }),
  });
  try {
    await waitFor(() => rx.requests.some((r) => r.path === '/ping/abc123'), 'the first beat');
    assert.deepEqual(daemon.health(), { ok: true, reasons: [] });
  } finally {
    await daemon.stop();
    await board.close();
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // A planned stop (and the start before it) is no failure: the heartbeat said nothing, not "down".
  assert.deepEqual(daemon.health(), { ok: false, settling: true, reasons: ['stopping'] });
  assert.deepEqual(rx.requests.filter((r) => r.path.endsWith('/fail')), [], 'fail_url was never called');
});

test('a heartbeat whose calls keep failing is counted and raises FogletMonitorSinkFailing through the other sinks', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-hb-fail-'));
  const hook = await Receiver.start();
  const ping = await Receiver.start();
  ping.status = 404; // a mistyped ping URL
  const daemon = await startDaemon({
    config: validateConfig({
      state_file: path.join(dir, 'state.json'),
      alerts: {
        sinks: [
          { name: 'alive', kind: 'heartbeat', url: `${ping.url}/ping/typo`, interval: '5s' },
          { name: 'hook', kind: 'webhook', url: `${hook.url}/hook` },
        ],
        delivery: { failing_after: '1s' },
      },
    }),
  });
  try {
    const sent = await waitFor(() => hook.accepted.map((r) => r.json as { alerts: Array<{ labels: Record<string, string> }> })
      .find((p) => p.alerts[0]!.labels.alertname === 'FogletMonitorSinkFailing'), 'FogletMonitorSinkFailing for the heartbeat', 15_000);
    assert.equal(sent.alerts[0]!.labels.sink, 'alive');
    const metrics = await (await fetch(`http://${daemon.address}/metrics`)).text();
    assert.match(metrics, /foglet_monitor_heartbeats_total\{sink="alive",outcome="failed"\} [2-9]/);
  } finally {
    await daemon.stop();
    await hook.close();
    await ping.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
