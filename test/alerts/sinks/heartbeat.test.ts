import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSink } from '../../../src/alerts/sinks/index.js';
import { HeartbeatSink } from '../../../src/alerts/sinks/heartbeat/sink.js';
import type { MonitorHealth } from '../../../src/alerts/sinks/types.js';
import { Redactor } from '../../../src/config/redact.js';
import { validateConfig } from '../../../src/config/load.js';
import { closedPort } from '../../helpers/servers.js';
import { Receiver } from '../../helpers/receiver.js';
import { changes, sinkConfig } from '../../helpers/sinks.js';
import { waitFor } from '../../helpers/wait.js';

let rx: Receiver;
before(async () => { rx = await Receiver.start(); });
after(() => rx.close());

function heartbeat(cfg: Record<string, unknown>, health: () => MonitorHealth) {
  const warnings: string[] = [];
  const sink = createSink(sinkConfig({ kind: 'heartbeat', ...cfg }), { instance: 'iad-1', warn: (_o, m) => warnings.push(m), health }) as HeartbeatSink;
  return { sink, warnings };
}

test('heartbeat: calls its URL while the monitor is healthy, its fail_url while not, and takes no alerts', async () => {
  rx.requests.length = 0;
  let health: MonitorHealth = { ok: true, reasons: [] };
  const { sink } = heartbeat({ url: `${rx.url}/ping/0b6d1c8e-4f7a-4c1e-9d3b-2f5a7e9c1d40`, fail_url: `${rx.url}/ping/0b6d1c8e-4f7a-4c1e-9d3b-2f5a7e9c1d40/fail` }, () => health);
  await sink.beat();
  health = { ok: false, reasons: ['scheduler not running'] };
  await sink.beat();
  assert.deepEqual(rx.requests.map((r) => r.path), ['/ping/0b6d1c8e-4f7a-4c1e-9d3b-2f5a7e9c1d40', '/ping/0b6d1c8e-4f7a-4c1e-9d3b-2f5a7e9c1d40/fail']);
  assert.equal(sink.last?.outcome, 'down');
  const [fire] = changes();
  assert.equal(sink.accepts(fire!.alert), false);
});

test('heartbeat: without a fail_url an unhealthy monitor stops calling (the switch then pages), and says so once', async () => {
  rx.requests.length = 0;
  const { sink, warnings } = heartbeat({ url: `${rx.url}/push/token123`, method: 'POST' }, () => ({ ok: false, reasons: ['the state file cannot be written'] }));
  await sink.beat();
  await sink.beat();
  assert.equal(rx.requests.length, 0);
  assert.equal(sink.last?.outcome, 'silent');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /heartbeat withheld/);
});

test('heartbeat: while the monitor starts, reloads or stops on purpose it says nothing, neither up nor down', async () => {
  rx.requests.length = 0;
  const { sink, warnings } = heartbeat({ url: `${rx.url}/ping/x`, fail_url: `${rx.url}/ping/x/fail` }, () => ({ ok: false, settling: true, reasons: ['reloading'] }));
  await sink.beat();
  assert.equal(rx.requests.length, 0);
  assert.equal(sink.last, undefined);
  assert.deepEqual(warnings, []);
});

test('heartbeat: POST carries the status and the reasons; a service that is down is logged, not thrown', async () => {
  rx.requests.length = 0;
  const { sink } = heartbeat({ url: `${rx.url}/push`, method: 'POST' }, () => ({ ok: true, reasons: [] }));
  await sink.beat();
  assert.deepEqual(rx.requests[0]!.json, { status: 'up', instance: 'iad-1', reasons: [] });
  const { sink: dead, warnings } = heartbeat({ url: `http://127.0.0.1:${await closedPort()}/ping` }, () => ({ ok: true, reasons: [] }));
  await dead.beat();
  assert.equal(dead.last?.outcome, 'failed');
  assert.match(warnings[0]!, /heartbeat call failed/);
});

test('heartbeat: start beats at once, then every interval, until stop', async () => {
  rx.requests.length = 0;
  const { sink } = heartbeat({ url: `${rx.url}/tick`, interval: '5s' }, () => ({ ok: true, reasons: [] }));
  sink.start();
  sink.stop();
  // The first beat was started by start(); its request completes after stop (stop only ends the timer).
  await waitFor(() => rx.requests.length > 0, 'the first beat');
  assert.equal(rx.requests.length, 1);
});

test('a heartbeat URL and its fail_url are secrets: redacted wherever the config could be printed', () => {
  const url = 'https://hc-ping.com/0b6d1c8e-4f7a-4c1e-9d3b-2f5a7e9c1d40';
  const config = validateConfig({ alerts: { sinks: [{ name: 'hc', kind: 'heartbeat', url, fail_url: `${url}/fail` }] } });
  const redactor = Redactor.fromConfig(config);
  const shown = redactor.redact(`pinging ${url} and ${url}/fail; token 0b6d1c8e-4f7a-4c1e-9d3b-2f5a7e9c1d40`);
  assert.doesNotMatch(shown, /0b6d1c8e/);
});
