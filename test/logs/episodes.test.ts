/**
 * The one rule by which a log match is absorbed into an episode already open: by the
 * lines' own times, a match joins when it is less than quiet_for after the episode's
 * last match; otherwise that episode ended at last match + quiet_for and the match
 * starts the next. The same for restart loops, with their window.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartDetector } from '../../src/logs/restarts.js';
import { RuleTracker, type LogRule } from '../../src/logs/rules.js';

const rule: LogRule = { id: 'r', category: 'c', severity: 'critical', pattern: /x/u, count: 1, windowMs: 60_000, quietForMs: 10_000 };

test('a match less than quiet_for after the last one is absorbed; one at quiet_for or later ends the episode and starts a new one', () => {
  const t = new RuleTracker();
  assert.deepEqual(t.record(rule, 1_000).map((x) => [x.active, x.at]), [[true, 1_000]]);
  assert.deepEqual(t.record(rule, 10_999), [], 'absorbed: 9.999 s after the last match');
  assert.deepEqual(t.record(rule, 20_998), [], 'absorbed: the quiet period runs from the latest match');
  assert.deepEqual(t.record(rule, 30_998).map((x) => [x.active, x.at]), [[false, 30_998], [true, 30_998]], 'exactly quiet_for later: a new episode');
  assert.deepEqual(t.record(rule, 100_000).map((x) => [x.active, x.at]), [[false, 40_998], [true, 100_000]], 'the old one ended when its quiet period ran out');
});

test('restored after a restart, an episode whose quiet period ran out while down ends before the next match counts', () => {
  const before = new RuleTracker();
  before.record(rule, 1_000);
  const after = new RuleTracker();
  after.restore(structuredClone(before.memory()));
  assert.ok(after.isActive('r'));
  assert.deepEqual(after.record(rule, 50_000).map((x) => [x.active, x.at]), [[false, 11_000], [true, 50_000]]);
});

test('a boot a whole window after a loop\'s last boot ends that loop; boots inside the window belong to it', () => {
  const d = new RestartDetector({ boot: [{ kind: 'ssh', pattern: 'started' }], crash: [] }, { starts: 3, windowMs: 60_000, minUptimeMs: 60_000 });
  assert.equal(d.observe('started', 0), undefined);
  assert.equal(d.observe('started', 1_000), undefined);
  assert.equal(d.observe('started', 2_000)?.active, true);
  assert.equal(d.observe('started', 61_999), undefined, 'within the window of the last boot: the same loop');
  assert.deepEqual(d.observe('started', 121_999), { active: false }, 'a window after the last boot: the loop had ended');
  assert.equal(d.isActive, false);
});
