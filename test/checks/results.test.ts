import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckResults } from '../../src/checks/results.js';
import type { ProbeResult } from '../../src/checks/types.js';

function result(check: string, ok: boolean, n = 0): ProbeResult {
  return { check, kind: 'http', target: 'http://127.0.0.1/up', ok, ...(ok ? {} : { reason: 'connect_refused' as const }), message: `run ${n}`, phases: {}, started_at: new Date(Date.UTC(2026, 10, 30, 12, 0, n)).toISOString(), duration_seconds: 0.01 };
}

test('check results: runs, consecutive failures that a pass resets, skipped runs, the last result', () => {
  const r = new CheckResults();
  r.configure(['up', 'ssh']);
  assert.equal(r.record(result('up', false, 1)), true);
  r.record(result('up', false, 2));
  r.skipped('up');
  assert.deepEqual({ ...r.get('up')!, last_result: r.get('up')!.last_result?.message }, { runs: 2, consecutive_failures: 2, skipped_runs: 1, last_result: 'run 2' });
  r.record(result('up', true, 3));
  assert.equal(r.get('up')!.consecutive_failures, 0);
  assert.equal(r.get('ssh')!.last_result, null);
  assert.deepEqual(Object.keys(r.lastResults()), ['up']);
});

test('a check removed by a reload keeps no record, and a result of its last run is not counted', () => {
  const r = new CheckResults();
  r.configure(['up', 'old']);
  r.record(result('old', true));
  r.configure(['up']);
  assert.equal(r.get('old'), undefined);
  assert.equal(r.record(result('old', false)), false);
  assert.deepEqual(Object.keys(r.lastResults()), []);
  // A check kept across the reload keeps its counts.
  r.record(result('up', false));
  r.configure(['up', 'new']);
  assert.equal(r.get('up')!.runs, 1);
});

test('the timeline is every check\'s results in order, the last 100, and a copy', () => {
  const r = new CheckResults();
  r.configure(['a', 'b']);
  for (let i = 0; i < 130; i++) r.record(result(i % 2 ? 'a' : 'b', true, i));
  const t = r.timeline();
  assert.equal(t.length, 100);
  assert.equal(t[0]!.message, 'run 30');
  assert.equal(t[99]!.message, 'run 129');
  t.length = 0;
  assert.equal(r.timeline().length, 100);
});

test('after a restart the saved last results show, marked from the previous run, for checks still configured', () => {
  const r = new CheckResults();
  r.restore({ up: result('up', false, 7), gone: result('gone', true) }, ['up']);
  r.configure(['up']);
  assert.equal(r.get('up')!.last_result?.from_previous_run, true);
  assert.equal(r.get('up')!.runs, 0);
  assert.equal(r.get('gone'), undefined);
});
