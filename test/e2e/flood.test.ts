/**
 * A flood past the open-files limit: the monitor runs as a child process under
 * `ulimit -n 128` and 300 idle connections arrive at once. Every descriptor the
 * server could hand to them is one a probe, a rotated log file, the state file or a
 * webhook would miss: the checks must keep passing, /healthz must answer, a log
 * rotated during the flood must be reopened and its failure must page, a silence must
 * be saved. Then hostile uploads (too big, chunked; and without the token) must cost
 * bounded memory.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { streamChunked } from '../helpers/upload.js';
import { waitFor } from '../helpers/wait.js';
import { healthy, payloads, scenarioConfig, withWorld } from './world.js';
import { fetchStatus } from '../helpers/status.js';

const FD_LIMIT = 128;
const API_TOKEN = 'flood-api-token-0123456789';
const LOG_TOKEN = 'flood-log-token-0123456789';
const MB = 1024 * 1024;

/** Opens `n` connections at once; resolves when each has connected or been closed by the server. */
async function flood(port: number, n: number): Promise<net.Socket[]> {
  const sockets = Array.from({ length: n }, () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => { /* closed by the server: expected for most */ });
    return s;
  });
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
    s.once('connect', () => resolve());
    s.once('close', () => resolve());
  })));
  return sockets;
}

/** The status of a GET on a connection of its own. */
function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }).on('error', reject);
  });
}

/** Resident and peak resident memory of a process, in bytes. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('a flood of connections past the open-files limit', () => {
  test(`ulimit -n ${FD_LIMIT}, 300 idle connections: /healthz answers, checks pass, a rotated log pages, a silence is saved; uploads cost bounded memory`, async () => {
    await withWorld((w) => {
      const config = scenarioConfig(w, { api: { token: API_TOKEN } }) as { logs: { sources: unknown[] } };
      config.logs.sources.push({ name: 'shipper', kind: 'http', token: LOG_TOKEN, max_body_bytes: 64 * 1024 });
      return config;
    }, async (w) => {
      await healthy(w);
      assert.match(w.monitor.output(), /max_connections lowered/, 'the lowered cap is said at start');
      const sockets = await flood(Number(new URL(w.monitor.base).port), 300);
      try {
        assert.ok(sockets.some((s) => !s.closed), 'the flood holds connections open');
        // As a health checker asks: a new connection each time (a pooled keep-alive one may be
        // among the idle connections the flood made room with, closed as the request goes out).
        for (let i = 0; i < 5; i++) assert.equal(await statusOf(`${w.monitor.base}/healthz`), 200);

        const log = w.board.log!.file;
        renameSync(log, `${log}.1`);
        w.board.log!.fault('migration');
        await waitFor(() => payloads(w.receiver).some((p) => p.change === 'firing' && p.alerts[0]!.labels.category === 'migration_failure'),
          'the migration page from the log rotated during the flood', 15_000);

        const silence = await fetch(`${w.monitor.base}/api/silences`, {
          method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            matchers: [{ name: 'category', value: 'smtp', isRegex: false }],
            endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: 'flood test', createdBy: 'test',
          }),
        });
        assert.ok(silence.ok, `the silence was saved: ${silence.status} ${await silence.text()}`);
        await waitFor(() => readFileSync(w.stateFile, 'utf8').includes('flood test'), 'the silence in the state file');

        const before = memory(w.monitor.pid);
        const uploads = await Promise.all([
          ...Array.from({ length: 8 }, () => streamChunked(w.monitor.base, '/api/logs?source=shipper', LOG_TOKEN, 256 * MB)),
          ...Array.from({ length: 8 }, () => streamChunked(w.monitor.base, '/api/logs?source=shipper', 'wrong-token-0123456789', 256 * MB)),
        ]);
        assert.deepEqual(uploads.map((u) => u.status.split(' ')[1]), [...Array(8).fill('413'), ...Array(8).fill('401')]);
        for (const u of uploads) assert.ok(u.sent < 64 * MB, `the server took ${u.sent} bytes of one upload`);
        const after = memory(w.monitor.pid);
        const grew = after.peak - Math.max(before.peak, before.rss);
        assert.ok(grew < 96 * MB, `16 hostile uploads raised the peak memory by ${(grew / MB).toFixed(0)} MB`);

        const status = (await fetchStatus(w.monitor.base));
        assert.deepEqual(status.checks.filter((c) => c.state !== 'ok').map((c) => c.name), [], 'every check passed through the flood');
        assert.deepEqual(payloads(w.receiver).filter((p) => p.alerts[0]!.labels.alertname === 'FogletCheckFailing'), [], 'no check paged');
      } finally {
        for (const s of sockets) s.destroy();
      }
      const metrics = await (await fetch(`${w.monitor.base}/metrics`)).text();
      assert.ok(Number(/^foglet_monitor_http_connections_evicted_total (\d+)/m.exec(metrics)?.[1]) > 200, 'the idle flood made room for the rest');
    }, { fdLimit: FD_LIMIT });
  });
});
