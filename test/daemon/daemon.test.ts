import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { validateConfig } from '../../src/config/load.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { LogSink } from '../helpers/sink.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';
import { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';

const SECRETS = { bearer: 'Sup3r-Bearer-Token-42', urlPass: 'pr0be-Url-Pa55' };

describe('daemon: server, metrics and /status', () => {
  let board: FakeFoglet;
  let daemon: Daemon;
  let base: string;
  let dir: string;
  const logs = new LogSink();

  before(async () => {
    board = await FakeFoglet.start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-'));
    const port = new URL(board.httpUrl).port;
    const config = validateConfig({
      instance: 'test-1',
      state_file: path.join(dir, 'state.json'),
      checks: [
        { name: 'up', kind: 'http', url: `http://probe:${SECRETS.urlPass}@127.0.0.1:${port}/up`, schedule: '* * * * *',
          timeout: '2s', headers: { Authorization: `Bearer ${SECRETS.bearer}` }, expect: { body: '^ok$' } },
        { name: 'missing', kind: 'http', url: `${board.httpUrl}/nope`, schedule: '* * * * *', timeout: '2s' },
      ],
    });
    daemon = await startDaemon({ config, logs, logLevel: 'debug' });
    base = `http://${daemon.address}`;
    await waitFor(async () => {
      const s = (await fetchStatus(base));
      return s.checks.every((c) => c.runs > 0);
    }, 'both checks to run once');
  });
  after(async () => {
    await daemon.stop();
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/healthz and /readyz answer', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  });

  test('/status has every check with its last result', async () => {
    const s = (await fetchStatus(base));
    assert.equal(s.instance, 'test-1');
    const up = s.checks.find((c) => c.name === 'up')!;
    const missing = s.checks.find((c) => c.name === 'missing')!;
    assert.equal(up.state, 'ok');
    assert.equal(up.last_result?.ok, true);
    assert.equal(missing.state, 'failing');
    assert.equal(missing.last_result?.reason, 'http_status');
    assert.ok(board.upRequests >= 1);
  });

  test('/metrics parses as Prometheus text format and carries the documented names', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await res.text());
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const name of [
      'foglet_monitor_probe_success', 'foglet_monitor_probe_duration_seconds', 'foglet_monitor_probe_phase_duration_seconds',
      'foglet_monitor_probe_failures_total', 'foglet_monitor_probe_failure_reason', 'foglet_monitor_probe_last_run_timestamp_seconds',
      'foglet_monitor_probe_http_status_code', 'foglet_monitor_scheduler_skipped_runs_total', 'foglet_monitor_build_info',
      'foglet_monitor_config_reloads_total', 'foglet_monitor_config_last_load_success_timestamp_seconds',
      'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds',
    ]) assert.ok(byName.has(name), `missing ${name}`);

    const success = byName.get("foglet_monitor_probe_success")!.metrics as Array<{ labels: Record<string, string>; value: string }>;
    assert.equal(success.find((m) => m.labels.check === 'up')?.value, '1');
    assert.equal(success.find((m) => m.labels.check === 'missing')?.value, '0');
    const oneHot = byName.get('foglet_monitor_probe_failure_reason')!.metrics as Array<{ labels: Record<string, string>; value: string }>;
    const missingReasons = oneHot.filter((m) => m.labels.check === 'missing');
    assert.deepEqual(missingReasons.filter((m) => m.value === '1').map((m) => m.labels.reason), ['http_status']);
    assert.ok(missingReasons.length > 1, 'one series per reason');
  });

  test('no secret from the config reaches /status, /metrics or the log', async () => {
    const status = await (await fetch(`${base}/status`)).text();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    daemon.logger.info({ leak: `Bearer ${SECRETS.bearer}` }, `a careless line with ${SECRETS.urlPass}`);
    for (const secret of Object.values(SECRETS)) {
      assert.ok(!status.includes(secret), '/status leaks a secret');
      assert.ok(!metrics.includes(secret), '/metrics leaks a secret');
      assert.ok(!logs.text.includes(secret), 'the log leaks a secret');
    }
    assert.match(logs.text, /a careless line with <redacted>/);
  });
});

test('a start that fails part way (the address taken) stops what it started and writes nothing to the state file: it may be the state of the monitor that holds the address', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-taken-'));
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const config = validateConfig({ instance: 'second', state_file: path.join(dir, 'state.json'), checks: [] });
    const once = await startDaemon({ config });
    await once.stop(); // the state file as the other monitor left it
    const before = statSync(path.join(dir, 'state.json')).ino;
    const { port } = taken.address() as { port: number };
    await assert.rejects(Daemon.start({ config, listen: `127.0.0.1:${port}`, logDestination: new LogSink() }), /EADDRINUSE/);
    assert.equal(statSync(path.join(dir, 'state.json')).ino, before, 'the state file was not written again');
  } finally {
    await new Promise((resolve) => taken.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});
