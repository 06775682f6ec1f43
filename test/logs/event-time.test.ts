import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventAssembler, type LogEvent } from '../../src/logs/events.js';
import { parseLine } from '../../src/logs/line.js';

function times(lines: string[], now: number): number[] {
  const events: LogEvent[] = [];
  const a = new EventAssembler('board', (e) => events.push(e), () => now);
  lines.forEach((l, i) => a.push(l, parseLine(l), i + 1));
  a.flush();
  return events.map((e) => e.time);
}

const at = (iso: string) => Date.parse(iso);

test('a time of day is placed today, or yesterday when it would be in the future', () => {
  const now = at('2026-11-25T06:55:00Z');
  assert.deepEqual(times(['06:50:00.000 [error] early'], now), [at('2026-11-25T06:50:00Z')]);
  assert.deepEqual(times(['23:59:00.000 [error] late yesterday', '00:01:00.000 [error] after midnight'], at('2026-11-25T00:02:00Z')),
    [at('2026-11-24T23:59:00Z'), at('2026-11-25T00:01:00Z')]);
  // Before this fix the line below was placed at 12:00 today, five hours ahead, and a rule's quiet_for never ran out.
  assert.deepEqual(times(['12:00:00.000 [error] from yesterday'], now), [at('2026-11-24T12:00:00Z')]);
});

test('a full timestamp ahead of now (clock skew) counts as now', () => {
  const now = at('2026-11-25T06:55:00Z');
  assert.deepEqual(times(['2026-11-25T07:30:00.000Z [error] skewed'], now), [now]);
  assert.deepEqual(times(['2026-11-25T06:00:00.000Z [error] past'], now), [at('2026-11-25T06:00:00Z')]);
});
