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

test('an untimed event read from history is judged in the context of the stamped lines before it, not by the clock', async () => {
  // fly_postgres_elixir#20: a data migration raises after an untimed SQL line. Read back from a
  // file days later, the `** (ArgumentError)` event once fell outside the `migrating` context
  // its own log had entered ten seconds before, and the failed migration went unseen.
  const { scanStream } = await import('../../src/logs/scan.js');
  const { pipelineSetup } = await import('../../src/logs/setup.js');
  const { validateConfig } = await import('../../src/config/load.js');
  const { Readable } = await import('node:stream');
  const text = [
    '2024-01-23T18:43:07.232Z [info] == Running 20220123222023 MyApp.Repo.Local.Migrations.AddCodeToAlbums.up/0 forward',
    '2024-01-23T18:43:07.305Z [debug] QUERY OK source="albums" db=2.0ms',
    'UPDATE "albums" AS a0 SET "code" = $1',
    '** (ArgumentError) errors were found at the given arguments:',
    '',
  ].join('\n');
  const { matches } = await scanStream(Readable.from([text]), 'history.log', pipelineSetup(validateConfig({}).logs));
  assert.deepEqual(matches.map((m) => `${m.category}/${m.rule}`), ['migration_failure/exception_while_migrating']);
});
