import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';
import { Receiver } from '../helpers/receiver.js';
import { startHttpServer } from '../helpers/servers.js';
import { fetchStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait.js';

test('an open maintenance window holds a failing check\'s page, shows with the next one on /status, /metrics and the page; its end (here a reload) sends it', async () => {
  const board = await startHttpServer((_req, res) => { res.statusCode = 500; res.end('down for maintenance'); });
  const hook = await Receiver.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-maintenance-'));
  const file = path.join(dir, 'monitor.yaml');
  const started = new Date(Date.now() - 60_000).toISOString();
  const yaml = (windows: string) => `
state_file: ./state.json
checks:
  - { name: up, kind: http, url: "${board.url}/up", schedule: "* * * * * *", timeout: 2s, failure_threshold: 1 }
alerts:
  sinks:
    - { name: hook, kind: webhook, url: "${hook.url}/hook" }
  delivery: { initial_backoff: 50ms, max_backoff: 200ms }
  maintenance:
    - { name: vacuum, schedule: "0 3 * * SUN", timezone: Europe/Berlin, duration: 2h, comment: weekly vacuum }
${windows}`;
  writeFileSync(file, yaml(`    - { name: upgrade, start: "${started}", duration: 1h, matchers: ["check=up"], comment: Postgres 17 }\n`));
  let daemon: Daemon | undefined;
  try {
    daemon = await startDaemon({ configPath: file });
    const base = `http://${daemon.address}`;
    const st = await waitFor(async () => {
      const s = await fetchStatus(base);
      return s.alerting.alerts.find((a) => a.key === 'check:up' && a.state === 'firing') && s;
    }, 'the check\'s alert firing');
    const alert = st.alerting.alerts.find((a) => a.key === 'check:up')!;
    assert.equal(alert.silenced, true);
    assert.deepEqual(alert.timeline.map((e) => e.event).includes('silenced'), true);
    // A firing that was not held would be queued (or delivered) by now: it is neither.
    assert.deepEqual(st.alerting.sinks.map((s) => [s.queued, s.delivered]), [[0, 0]]);
    assert.equal(hook.requests.length, 0);

    const windows = new Map(st.alerting.maintenance.map((w) => [w.name, w]));
    assert.equal(windows.get('upgrade')!.state, 'open');
    assert.equal(windows.get('upgrade')!.starts_at, started);
    assert.deepEqual(windows.get('upgrade')!.matchers, ['check="up"']);
    assert.equal(windows.get('vacuum')!.state, 'scheduled');
    assert.ok(Date.parse(windows.get('vacuum')!.starts_at) > Date.now());

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /foglet_monitor_maintenance_window_open\{window="upgrade"\} 1/);
    assert.match(metrics, /foglet_monitor_maintenance_window_open\{window="vacuum"\} 0/);
    const page = await (await fetch(`${base}/`)).text();
    assert.match(page, /Scheduled maintenance/);
    assert.match(page, /data-window="vacuum"[\s\S]*?opens <time[^>]*>in [\d.]+[mhd]<\/time>[\s\S]*?weekly vacuum/);

    // The window is taken out of the config: the alert still fires, so its page goes out now.
    writeFileSync(file, yaml(''));
    assert.equal(await daemon.reload(), true);
    await waitFor(() => hook.accepted.some((r) => (r.json as { change: string }).change === 'firing'), 'the page once the window is gone', 10_000);
  } finally {
    await daemon?.stop();
    await board.close();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
