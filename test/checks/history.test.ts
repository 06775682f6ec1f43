/** Each check's seven days, on an injected clock: the bar's slices, uptime, the sparkline's means, the file it is kept in. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BUCKET_MS, BUCKETS, CheckHistory, HistoryFile, historyPath, SLICES } from '../../src/checks/history.js';
import type { ProbeResult } from '../../src/checks/types.js';

const NOW = Date.parse('2026-11-30T12:02:30Z');
const run = (at: number, ok: boolean, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  check: 'ssh-login', kind: 'ssh', target: 'bbs:22', started_at: new Date(at).toISOString(), duration_seconds: 0.2, ok,
  ...(ok ? {} : { reason: 'session_rejected' }), phases: { connect: 0.01, screen: 0.1 }, ...extra,
} as ProbeResult);

test('a check that failed for a known hour: the bar shows it where it was, uptime counts it, the sparkline has the times', () => {
  const h = new CheckHistory(() => NOW);
  // One run a minute for the last 23 hours (all inside the bar's 24, which begins at a bucket's
  // start); the hour from 3h to 2h ago failing.
  for (let t = NOW - 23 * 3600_000 + 60_000; t <= NOW; t += 60_000) {
    const failing = t >= NOW - 3 * 3600_000 && t < NOW - 2 * 3600_000;
    h.record(run(t, !failing, failing ? { duration_seconds: 5, phases: { connect: 0.01 } } : {}));
  }
  const v = h.view('ssh-login');
  assert.equal(v.slices.length, SLICES);
  const failed = v.slices.map((s, k) => (s.fail > 0 ? k : -1)).filter((k) => k >= 0);
  // Slices are 15 minutes, the last one holding now: 3h..2h ago are slices 84..87 (or 83..87 when an edge splits one).
  assert.ok(failed.length >= 4 && failed.length <= 5 && failed[0]! >= 83 && failed.at(-1)! <= 88, `failed slices ${failed}`);
  assert.equal(v.slices[failed[1]!]!.reason, 'session_rejected');
  const runs = v.slices.reduce((n, s) => n + s.ok + s.slow + s.fail, 0);
  assert.equal(runs, 23 * 60);
  assert.equal(v.uptime_24h, (23 * 60 - 60) / (23 * 60));
  assert.equal(v.slices.slice(0, 3).every((s) => s.ok + s.fail === 0), true, 'nothing before the first run');
  assert.equal(v.uptime_7d, v.uptime_24h, 'nothing older was recorded');
  assert.equal(v.slices[failed[1]!]!.mean_ms, 5000);
  assert.equal(v.slices[failed[1]!]!.screen_ms, null, 'no screen phase reached while failing');
  assert.equal(v.slices[10]!.screen_ms, 100);
  assert.equal(h.view('nope').uptime_24h, null);
});

test('bounded: runs older than seven days fall out; slow runs count as up; a removed check is forgotten', () => {
  let now = NOW;
  const h = new CheckHistory(() => now);
  h.record(run(NOW - 8 * 86400_000, false));
  h.record(run(NOW, true, { degraded: { reason: 'slow', message: 'slow' } }));
  assert.equal(h.view('ssh-login').uptime_7d, 1);
  now = NOW + BUCKETS * BUCKET_MS;
  assert.equal(h.view('ssh-login').uptime_7d, null, 'a week later, nothing left');
  h.configure(['up']);
  assert.deepEqual(h.save(), {});
});

test('saved and restored, through its own file beside the state file; a corrupt file starts afresh with a warning', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-history-'));
  try {
    const file = historyPath(path.join(dir, 'state.json'));
    assert.equal(file, path.join(dir, 'state.history.json'));
    const a = new CheckHistory(() => NOW);
    for (let t = NOW - 7 * 86400_000 + 1; t <= NOW; t += 60_000) a.record(run(t, t % 7 !== 0));
    await new HistoryFile(file, a, () => {}).save();
    const size = statSync(file).size;
    const b = new CheckHistory(() => NOW);
    await new HistoryFile(file, b, () => {}).load();
    assert.deepEqual(b.view('ssh-login'), a.view('ssh-login'));
    assert.ok(size < 200_000, `a week of one check is ${size} bytes`);

    const warnings: string[] = [];
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"ssh-login": {"b": [1, "x"], "ok": "nope"'));
    const c = new CheckHistory(() => NOW);
    await new HistoryFile(file, c, (_f, m) => warnings.push(m)).load();
    assert.match(warnings[0]!, /check history not read; starting it afresh/);
    c.restore({ 'ssh-login': { b: [Math.floor(NOW / BUCKET_MS), 'x'], ok: ['7', -1], fail: [1e9] } });
    assert.equal(c.view('ssh-login').slices.at(-1)!.ok, 7);
    assert.equal(c.view('ssh-login').slices.at(-1)!.fail, 65535, 'a count is capped, not wrapped');
    assert.ok(readFileSync(file, 'utf8').length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
