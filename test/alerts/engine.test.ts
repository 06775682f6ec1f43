import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AlertEngine, fingerprint, type TrackedAlert } from '../../src/alerts/engine.js';
import type { AlertChange } from '../../src/alerts/types.js';
import type { Signal } from '../../src/signals.js';

function probe(ok: boolean, reason = 'timeout', check = 'ssh-login'): Signal {
  return {
    source: 'probe', key: `check:${check}`, ok, severity: 'critical', category: 'ssh', reason,
    summary: ok ? `${check} passed` : `${check} failed: ${reason}`,
    labels: { check, target: 'bbs.example.net:22' }, evidence: ok ? undefined : { screen: 'Too many connections' }, at: '',
  };
}

function engine(opts: { silenced?: (l: Record<string, string>) => boolean } = {}) {
  let now = Date.parse('2026-11-25T10:00:00Z');
  const changes: AlertChange[] = [];
  const e = new AlertEngine({
    instance: 'iad-1', repeatIntervalMs: 4 * 3600_000, onChange: (c) => changes.push(c), now: () => now,
    isSilenced: opts.silenced ? (l) => opts.silenced!(l) : undefined,
  });
  return { e, changes, advance: (ms: number) => { now += ms; }, kinds: () => changes.map((c) => c.kind) };
}

const T2 = { failure: 2, success: 1 };

describe('alert engine', () => {
  test('a clear dated before the firing episode began is of an earlier episode: it resolves nothing', () => {
    const { e, kinds, advance } = engine();
    const log = (ok: boolean, at: string): Signal => ({
      source: 'log', key: 'log:app:repo', ok, severity: 'critical', category: 'db_connection', reason: 'repo',
      summary: ok ? 'quiet' : 'Repo errors', labels: { log_source: 'app', rule: 'repo' }, at,
    });
    e.observe(log(false, '2026-11-25T10:00:00.000Z'));
    advance(5000);
    // Found under kill -9: the source's memory, restored older than the alert table, ended the episode before.
    e.observe(log(true, '2026-11-25T09:59:58.000Z'));
    assert.deepEqual(kinds(), ['firing']);
    e.observe(log(true, '2026-11-25T10:00:04.000Z'));
    assert.deepEqual(kinds(), ['firing', 'resolved']);
  });

  test('fires after failure_threshold consecutive failures, resolves after success_threshold passes', () => {
    const { e, kinds, changes } = engine();
    e.observe(probe(false), T2);
    assert.deepEqual(kinds(), [], 'one failure is pending');
    assert.equal(e.list()[0]!.alert.state, 'pending');
    e.observe(probe(false), T2);
    assert.deepEqual(kinds(), ['firing']);
    e.observe(probe(true), { failure: 2, success: 2 });
    assert.deepEqual(kinds(), ['firing'], 'one pass of two');
    e.observe(probe(true), { failure: 2, success: 2 });
    assert.deepEqual(kinds(), ['firing', 'resolved']);
    const [fire, resolve] = changes;
    assert.equal(fire!.alert.fingerprint, resolve!.alert.fingerprint);
    assert.deepEqual([fire!.alert.seq, resolve!.alert.seq], [1, 2]);
    assert.equal(fire!.alert.labels.alertname, 'FogletCheckFailing');
    assert.equal(fire!.alert.labels.instance, 'iad-1');
    assert.equal(fire!.alert.evidence?.screen, 'Too many connections');
    assert.ok(resolve!.alert.endsAt);
  });

  test('flapping below the threshold never fires', () => {
    const { e, kinds } = engine();
    for (let i = 0; i < 10; i++) e.observe(probe(i % 2 === 0), T2);
    assert.deepEqual(kinds(), []);
  });

  test('a still-firing alert is repeated every repeat_interval, not before', () => {
    const { e, kinds, advance } = engine();
    e.observe(probe(false), { failure: 1, success: 1 });
    advance(3600_000); e.tick();
    assert.deepEqual(kinds(), ['firing']);
    advance(3 * 3600_000); e.tick();
    assert.deepEqual(kinds(), ['firing', 'repeat']);
    advance(60_000); e.tick();
    assert.deepEqual(kinds(), ['firing', 'repeat']);
  });

  test('a reason change updates the alert (same fingerprint), not a new page', () => {
    const { e, changes, kinds } = engine();
    e.observe(probe(false, 'timeout'), { failure: 1, success: 1 });
    e.observe(probe(false, 'timeout'), { failure: 1, success: 1 });
    e.observe(probe(false, 'hostkey_mismatch'), { failure: 1, success: 1 });
    assert.deepEqual(kinds(), ['firing', 'update']);
    assert.equal(changes[1]!.alert.annotations.reason, 'hostkey_mismatch');
    assert.equal(changes[1]!.alert.fingerprint, changes[0]!.alert.fingerprint);
  });

  test('silences: a silenced alert keeps its state but is not sent; it is sent once the silence ends', () => {
    let silenced = true;
    const { e, kinds, advance } = engine({ silenced: (l) => silenced && l.check === 'ssh-login' });
    e.observe(probe(false), { failure: 1, success: 1 });
    e.observe(probe(false, 'timeout', 'other'), { failure: 1, success: 1 });
    assert.deepEqual(kinds(), ['firing'], 'only the unsilenced one');
    const login = e.list().find((t) => t.alert.labels.check === 'ssh-login')!;
    assert.equal(login.alert.state, 'firing');
    assert.equal(login.silenced, true);
    silenced = false;
    advance(1000); e.tick();
    assert.deepEqual(kinds(), ['firing', 'firing']);
  });

  test('a silence added to an alert already sent shows on it at the next tick, and sends nothing', () => {
    let silenced = false;
    const { e, kinds, advance } = engine({ silenced: () => silenced });
    e.observe(probe(false), { failure: 1, success: 1 });
    assert.equal(e.list()[0]!.silenced, false);
    silenced = true;
    advance(1000); e.tick();
    assert.equal(e.list()[0]!.silenced, true, '/status shows it silenced');
    assert.deepEqual(kinds(), ['firing']);
    silenced = false;
    advance(1000); e.tick();
    assert.equal(e.list()[0]!.silenced, false);
    assert.deepEqual(kinds(), ['firing'], 'it was sent before the silence: no second page');
  });

  test('a silenced alert that resolves before it was ever sent sends nothing', () => {
    const { e, kinds } = engine({ silenced: () => true });
    e.observe(probe(false), { failure: 1, success: 1 });
    e.observe(probe(true), { failure: 1, success: 1 });
    assert.deepEqual(kinds(), []);
  });

  test('a restart mid-outage: no second page, and the resolve is still sent', () => {
    const first = engine();
    first.e.observe(probe(false), { failure: 1, success: 1 });
    assert.deepEqual(first.kinds(), ['firing']);
    const saved: TrackedAlert[] = JSON.parse(JSON.stringify(first.e.save()));

    const second = engine();
    second.e.restore(saved);
    second.e.observe(probe(false), { failure: 1, success: 1 });
    second.e.tick();
    assert.deepEqual(second.kinds(), [], 'still firing: no new page');
    second.e.observe(probe(true), { failure: 1, success: 1 });
    assert.deepEqual(second.kinds(), ['resolved']);
    assert.equal(second.changes[0]!.alert.fingerprint, first.changes[0]!.alert.fingerprint);
    assert.equal(second.changes[0]!.alert.seq, 2, 'the sequence carries on: idempotency keys stay unique');
  });

  test('log signals fire at once and name the rule; the fingerprint is a hash of the labels', () => {
    const { e, changes } = engine();
    e.observe({
      source: 'log', key: 'log:app:schema_migrations_table', ok: false, severity: 'critical', category: 'migration_failure',
      reason: 'schema_migrations_table', summary: 'migration_failure in app: Could not create schema migrations table',
      labels: { rule: 'schema_migrations_table', category: 'migration_failure', log_source: 'app' },
      evidence: { lines: ['10:00:05.000 [error] Could not create schema migrations table.'], runbook: 'Run the migrations.' }, at: '',
    });
    const a = changes[0]!.alert;
    assert.equal(a.labels.alertname, 'FogletLogRule');
    assert.equal(a.annotations.runbook, 'Run the migrations.');
    assert.equal(a.fingerprint, fingerprint(a.labels));
    assert.notEqual(fingerprint({ ...a.labels, instance: 'ams-1' }), a.fingerprint);
  });
});

test('instance_label off: two monitors with the same config raise the same alert (the same labels, the same fingerprint), with no instance label', () => {
  const raised = (instance: string, instanceLabel?: boolean) => {
    const changes: AlertChange[] = [];
    const e = new AlertEngine({ instance, instanceLabel, repeatIntervalMs: 3600_000, onChange: (c) => changes.push(c) });
    e.observe(probe(false), T2);
    e.observe(probe(false), T2);
    return changes.find((c) => c.kind === 'firing')!.alert;
  };
  const a = raised('iad-1', false);
  const b = raised('ams-1', false);
  // A log signal carries its monitor's instance among its own labels: it goes too.
  const logAlert = (instance: string) => {
    const changes: AlertChange[] = [];
    const e = new AlertEngine({ instance, instanceLabel: false, repeatIntervalMs: 3600_000, onChange: (c) => changes.push(c) });
    e.observe({ source: 'log', key: 'log:app:schema_migrations_table', ok: false, severity: 'critical', category: 'migration_failure', reason: 'schema_migrations_table',
      summary: 'migration failed', labels: { rule: 'schema_migrations_table', log_source: 'app', instance }, at: '' });
    return changes[0]!.alert;
  };
  assert.equal(logAlert('iad-1').labels.instance, undefined);
  assert.equal(logAlert('iad-1').fingerprint, logAlert('ams-1').fingerprint);
  assert.equal(a.labels.instance, undefined);
  assert.deepEqual(a.labels, b.labels);
  assert.equal(a.fingerprint, b.fingerprint);
  // The default keeps the monitor's name on its alerts: a single monitor says where it runs.
  assert.equal(raised('iad-1').labels.instance, 'iad-1');
  assert.notEqual(raised('iad-1').fingerprint, raised('ams-1').fingerprint);
});
