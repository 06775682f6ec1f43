import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine.js';
import { MaintenanceWindows, maintenanceWindowSchema } from '../../src/alerts/maintenance.js';
import type { AlertChange } from '../../src/alerts/types.js';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import type { Signal } from '../../src/signals.js';

const windows = (...ws: unknown[]) => new MaintenanceWindows(ws.map((w) => maintenanceWindowSchema.parse(w)));

function problems(yaml: string): string {
  try {
    parseConfigText(yaml, 'monitor.yaml', {});
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return assert.fail('expected a ConfigError');
}

describe('maintenance windows: config', () => {
  const base = 'alerts:\n  maintenance:\n';
  test('a window needs a schedule or a start, not both; the error names the field and the file', () => {
    const neither = problems(`${base}    - { name: w, duration: 1h }\n`);
    assert.match(neither, /monitor\.yaml/);
    assert.match(neither, /alerts\.maintenance\.0\.schedule|alerts\.maintenance\[0\]\.schedule/);
    assert.match(neither, /either schedule .* or start/);
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "0 3 * * *", start: "2026-12-05T02:00:00Z" }\n`), /not both/);
  });

  test('a bad matcher, time zone, start, duration or a schedule that never comes round is named', () => {
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "0 3 * * *", matchers: ["check ssh-login"] }\n`), /matchers.*expected a matcher like/s);
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "0 3 * * *", matchers: ['check=~"(a+)+(b"'] }\n`), /matchers.*regular expression/s);
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "0 3 * * *", timezone: Mars/Olympus }\n`), /timezone.*IANA time zone/s);
    assert.match(problems(`${base}    - { name: w, duration: 1h, start: "next tuesday" }\n`), /start.*expected a time/s);
    assert.match(problems(`${base}    - { name: w, duration: 10s, start: "2026-12-05T02:00:00Z" }\n`), /duration.*at least 1m/s);
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "0 0 30 2 *" }\n`), /schedule.*impossible day of month/s);
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "every day" }\n`), /schedule.*cron schedule/s);
  });

  test('two windows with one name are refused', () => {
    assert.match(problems(`${base}    - { name: w, duration: 1h, schedule: "0 3 * * *" }\n    - { name: w, duration: 1h, schedule: "0 4 * * *" }\n`), /duplicate maintenance window name "w"/);
  });
});

describe('maintenance windows: when they are open', () => {
  test('a weekly window in a time zone: scheduled before, open during, scheduled again after (its next opening)', () => {
    // Sundays 03:00 Berlin time (02:00 UTC in winter) for 2 hours.
    const w = windows({ name: 'weekly', schedule: '0 3 * * SUN', timezone: 'Europe/Berlin', duration: '2h', matchers: ['check=ssh-login'] });
    const at = (iso: string) => Date.parse(iso);
    const before = w.status(at('2026-12-05T12:00:00Z'))[0]!;
    assert.deepEqual([before.state, before.starts_at, before.ends_at], ['scheduled', '2026-12-06T02:00:00.000Z', '2026-12-06T04:00:00.000Z']);
    assert.equal(w.covering({ check: 'ssh-login' }, at('2026-12-05T12:00:00Z')), undefined);
    assert.equal(w.covering({ check: 'ssh-login' }, at('2026-12-06T02:00:00Z')), 'weekly', 'open at its first instant');
    assert.equal(w.covering({ check: 'ssh-login' }, at('2026-12-06T03:59:59Z')), 'weekly');
    assert.equal(w.covering({ check: 'up' }, at('2026-12-06T03:00:00Z')), undefined, 'its matchers hold');
    assert.equal(w.covering({ check: 'ssh-login' }, at('2026-12-06T04:00:00Z')), undefined, 'closed at its end');
    const next = w.status(at('2026-12-06T04:00:00Z'))[0]!;
    assert.deepEqual([next.state, next.starts_at], ['scheduled', '2026-12-13T02:00:00.000Z']);
    // Summer time: 03:00 Berlin is 01:00 UTC.
    assert.equal(w.status(at('2027-06-01T00:00:00Z'))[0]!.starts_at, '2027-06-06T01:00:00.000Z');
  });

  test('a window longer than its period is open all along; asked out of order, the answer does not depend on what was asked before', () => {
    const w = windows({ name: 'w', schedule: '0 * * * *', duration: '90m' });
    const t = Date.parse('2026-12-01T10:30:00Z');
    assert.equal(w.covering({}, t), 'w');
    assert.equal(w.covering({}, t + 3 * 3600_000), 'w');
    assert.equal(w.covering({}, t - 24 * 3600_000), 'w', 'a clock set back');
    const s = windows({ name: 's', start: '2026-12-01T10:00:00Z', duration: '1h' });
    assert.equal(s.covering({}, Date.parse('2026-12-01T10:59:00Z')), 's');
    assert.equal(s.covering({}, Date.parse('2026-12-01T09:59:00Z')), undefined, 'asked after a later time, an earlier one is still before the start');
  });

  test('a single window: scheduled, open, then over and listed for a day', () => {
    const w = windows({ name: 'upgrade', start: '2026-12-05T02:00:00+01:00', duration: '1h', comment: 'Postgres 17' });
    assert.equal(w.status(Date.parse('2026-12-04T00:00:00Z'))[0]!.state, 'scheduled');
    assert.equal(w.status(Date.parse('2026-12-05T01:30:00Z'))[0]!.state, 'open');
    assert.equal(w.status(Date.parse('2026-12-05T02:00:00Z'))[0]!.state, 'over');
    assert.equal(w.status(Date.parse('2026-12-06T01:59:00Z')).length, 1);
    assert.equal(w.status(Date.parse('2026-12-06T02:01:00Z')).length, 0, 'forgotten a day after');
  });
});

describe('maintenance windows: the alerts they hold', () => {
  const failing = (ok: boolean): Signal => ({
    source: 'probe', key: 'check:ssh-login', ok, severity: 'critical', category: 'ssh', reason: ok ? 'ok' : 'timeout',
    summary: ok ? 'passed' : 'failed', labels: { check: 'ssh-login' }, at: '',
  });

  test('an alert that fires inside a window is not sent; at its close the still-firing alert pages; a resolve of a page sent before the window goes out', () => {
    let now = Date.parse('2026-12-06T01:50:00Z');
    const w = windows({ name: 'nightly', schedule: '0 2 * * *', duration: '30m', matchers: ['check=ssh-login'] });
    const changes: AlertChange[] = [];
    const e = new AlertEngine({
      instance: 'm', repeatIntervalMs: 4 * 3600_000, onChange: (c) => changes.push(c), now: () => now,
      isSilenced: (labels, at) => w.covering(labels, at) !== undefined,
    });
    const sent = () => changes.map((c) => c.kind);
    // Before the window: fires and is sent.
    e.observe(failing(false));
    assert.deepEqual(sent(), ['firing']);
    now = Date.parse('2026-12-06T02:05:00Z');
    e.tick();
    e.observe(failing(true));
    assert.deepEqual(sent(), ['firing', 'resolved'], 'the page sent before the window is closed');
    // Inside the window: fires, is tracked, nothing sent.
    e.observe(failing(false));
    assert.deepEqual(sent(), ['firing', 'resolved']);
    assert.equal(e.list()[0]!.alert.state, 'firing');
    assert.equal(e.list()[0]!.silenced, true);
    // The window closes with the board still failing: the tick sends the firing.
    now = Date.parse('2026-12-06T02:30:00Z');
    e.tick();
    assert.deepEqual(sent(), ['firing', 'resolved', 'firing']);
    assert.ok(e.list()[0]!.timeline!.some((x) => x.event === 'silenced') && e.list()[0]!.timeline!.some((x) => x.event === 'unsilenced'));
  });
});

describe('maintenance windows: what the first trials broke', () => {
  test('a daily window at a wall-clock time a clock set back repeats opens once, at the first; the answer does not depend on when it is asked', () => {
    // 2027-10-31, Berlin: 02:30 is 00:30Z (summer time) and again 01:30Z (winter time).
    const w = windows({ name: 'be', schedule: '30 2 * * *', timezone: 'Europe/Berlin', duration: '10m' });
    const next = (iso: string) => w.status(Date.parse(iso))[0]!.starts_at;
    assert.equal(next('2027-10-31T00:00:00Z'), '2027-10-31T00:30:00.000Z');
    for (const asked of ['2027-10-31T00:41:00Z', '2027-10-31T01:00:00Z', '2027-10-31T01:15:00Z', '2027-10-31T01:29:00Z']) {
      assert.equal(next(asked), '2027-11-01T01:30:00.000Z', asked);
    }
    assert.equal(w.covering({}, Date.parse('2027-10-31T01:31:00Z')), undefined, 'not open a second time');
    // 2027-03-28: 02:30 does not exist in Berlin; the window opens at 03:30 CEST (01:30Z), as cron runs it.
    assert.equal(next('2027-03-27T23:00:00Z'), '2027-03-28T01:30:00.000Z');
    // An every-15-minutes window keeps its openings in the repeated hour.
    const q = windows({ name: 'q', schedule: '*/15 * * * *', timezone: 'Europe/Berlin', duration: '5m' });
    assert.equal(q.covering({}, Date.parse('2027-10-31T01:31:00Z')), 'q');
  });

  test('openings that overlap are one window: its end is when the last of them ends', () => {
    const w = windows({ name: 'o', schedule: '0 */2 * * *', duration: '3h' });
    const s = w.status(Date.parse('2026-12-01T10:30:00Z'))[0]!;
    assert.equal(s.state, 'open');
    // Every two hours for three hours: it never closes; the end shown is as far as the joined openings were followed.
    assert.ok(Date.parse(s.ends_at) - Date.parse('2026-12-01T10:30:00Z') > 24 * 3600_000, s.ends_at);
    const gap = windows({ name: 'g', schedule: '0 */2 * * *', duration: '90m' }).status(Date.parse('2026-12-01T10:30:00Z'))[0]!;
    assert.equal(gap.ends_at, '2026-12-01T11:30:00.000Z');
  });

  test('a bad cron field is named with the reason, once; timezone on a single start is refused; a hostile pattern is not echoed whole', () => {
    const e = problems('alerts:\n  maintenance:\n    - { name: w, duration: 1h, schedule: "61 3 * * *" }\n');
    assert.match(e, /schedule: expected a cron schedule \(5 fields, or 6 with seconds first\): 61 is a invalid expression for minute/);
    assert.equal(e.match(/schedule:/g)!.length, 1, e);
    assert.match(problems('alerts:\n  maintenance:\n    - { name: w, duration: 1h, start: "2026-12-12T02:00:00Z", timezone: Europe/Berlin }\n'), /timezone: applies to a schedule only/);
    const huge = problems(`alerts:\n  maintenance:\n    - { name: w, duration: 1h, schedule: "0 3 * * *", matchers: ['check=~${'a'.repeat(100_000)}'] }\n`);
    assert.match(huge, /matchers.*\(100000 characters\)/s);
    assert.ok(huge.length < 2000, `${huge.length} characters`);
    assert.ok(problems(`alerts:\n  maintenance:\n    - { name: w, duration: 1h, schedule: "0 3 * * *", comment: "${'c'.repeat(5000)}" }\n`).length < 2000);
  });
});
