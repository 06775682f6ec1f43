/**
 * Starts and stops of the checks go through one queue: a release watch's schedule, a reload
 * and a stop that overlap (a stop waits for probes in flight) leave one schedule, the newest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CheckRuns } from '../src/check-runs.js';
import { checkKinds } from '../src/checks/index.js';
import { validateConfig } from '../src/config/load.js';
import { createLogger, RedactorRef } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { StateStore } from '../src/state.js';
import { LogSink } from './helpers/sink.js';
import { startHttpServer } from './helpers/servers.js';
import { waitFor } from './helpers/wait.js';

test('overlapping restarts leave one schedule, the newest; after close none starts', async () => {
  // A board that answers each request after 300 ms: every stop waits for a probe in flight.
  const seen: string[] = [];
  const server = await startHttpServer((req, res) => { seen.push(req.url ?? ''); setTimeout(() => res.end('ok'), 300); });
  const base = server.url;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-check-runs-'));
  const logger = createLogger({ level: 'warn', format: 'json', destination: new LogSink() }, new RedactorRef(undefined));
  const state = new StateStore(path.join(dir, 'state.json'));
  const runs = new CheckRuns({ kinds: checkKinds, metrics: new Metrics({ processMetrics: false }), logger, state, probeDeps: { baseDir: dir }, redactDeep: (v) => v, onResult: () => {} });
  const plan = (name: string) => () => ({
    checks: validateConfig({ checks: [{ name, kind: 'http', url: `${base}/${name}`, schedule: '* * * * * *', timeout: '2s' }] }).checks,
    maxConcurrent: 5, runAtStart: true,
  });
  try {
    await runs.restart(plan('first'));
    await waitFor(() => seen.includes('/first'), 'a probe of the first schedule in flight');
    // Three requests while that probe holds the first stop: only the last one's schedule may run.
    const done = [runs.restart(plan('watch')), runs.restart(plan('reload')), runs.restart(plan('newest'))];
    await Promise.all(done);
    assert.deepEqual([...runs.targets.keys()], ['newest']);
    const from = seen.length;
    await waitFor(() => seen.slice(from).filter((u) => u === '/newest').length >= 2, 'two runs of the newest schedule', 5000);
    assert.deepEqual([...new Set(seen.slice(from))], ['/newest'], `only the newest schedule runs: ${seen.slice(from).join(' ')}`);

    await runs.stop({ close: true });
    await runs.restart(plan('too-late'));
    assert.equal(runs.running, false, 'a restart after close starts nothing');
  } finally {
    await runs.stop({ close: true });
    await server.close();
    state.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
