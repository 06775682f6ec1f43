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

test('a heartbeat sink in the daemon: a beat at start while healthy; health names what is wrong once the checks stop', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-hb-'));
  const rx = await Receiver.start();
  const board = await startHttpServer((_req, res) => res.end('ok'));
  const daemon = await startDaemon({
    config: validateConfig({
      state_file: path.join(dir, 'state.json'),
      checks: [{ name: 'up', kind: 'http', url: `${board.url}/up`, schedule: '*/5 * * * * *', timeout: '2s' }],
      alerts: { sinks: [{ name: 'alive', kind: 'heartbeat', url: `${rx.url}/ping/abc123`, fail_url: `${rx.url}/ping/abc123/fail`, interval: '5s' }] },
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
  const after = daemon.health();
  assert.equal(after.ok, false);
  assert.ok(after.reasons.includes('stopping') && after.reasons.includes('scheduler not running'), after.reasons.join('; '));
});
