import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { scanStream } from '../../src/logs/scan.js';
import { pipelineSetup } from '../../src/logs/setup.js';

const setup = pipelineSetup(validateConfig({}).logs);
const MIGRATION = '10:00:00.000 [error] Could not create schema migrations table. This error usually happens due to the following:';
const REPO = '10:00:01.000 [error] Postgrex.Protocol (#PID<0.2.0>) failed to connect: ** (DBConnection.ConnectionError) tcp connect (db:5432): connection refused - :econnrefused';

/** A stream that yields the chunks as given, like a file read in pieces. */
function chunks(...parts: Array<Buffer | string>): Readable {
  return Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

test('a 10 MB line is cut and counted; the failure after it is still found', async () => {
  const huge = Buffer.alloc(10 * 1024 * 1024, 'x');
  // Delivered in 1 MiB pieces, as a file read would.
  const pieces: Buffer[] = [];
  for (let i = 0; i < huge.length; i += 1024 * 1024) pieces.push(huge.subarray(i, i + 1024 * 1024));
  const r = await scanStream(chunks(`${MIGRATION}\n`, ...pieces, '\n', `${MIGRATION}\n`), 'huge', setup);
  assert.equal(r.cut, 1);
  assert.equal(r.lines, 3);
  assert.deepEqual(r.matches.map((m) => [m.line, m.category]), [[1, 'migration_failure'], [3, 'migration_failure']]);
  assert.ok(r.matches.every((m) => m.text.length < 70_000));
});

test('binary garbage and NUL bytes do not crash the scan, and lines around them are read', async () => {
  const garbage = randomBytes(2 * 1024 * 1024);
  const withNuls = Buffer.from(`\0\0${REPO.replace('Postgrex', 'Post\0grex')}\0\n`);
  const r = await scanStream(chunks(garbage, '\n', withNuls, garbage, '\n', `${MIGRATION}\n`), 'binary', setup);
  const categories = r.matches.map((m) => m.category);
  assert.ok(categories.includes('migration_failure'), `matches: ${categories}`);
  assert.ok(categories.includes('db_connection'), 'the NULs are dropped before matching');
  for (const m of r.matches) {
    assert.doesNotMatch(m.text, /\0/);
    assert.ok(Buffer.from(m.text).toString('utf8') === m.text);
  }
});

test('an unterminated last line is read', async () => {
  const r = await scanStream(chunks('10:00:00.000 [info] booting\n', MIGRATION), 'tail', setup);
  assert.equal(r.lines, 2);
  assert.deepEqual(r.matches.map((m) => m.line), [2]);
});

test('CRLF line ends and ANSI colours do not hide a failure', async () => {
  const coloured = `\x1b[31m${MIGRATION}\x1b[0m\r\n`;
  const r = await scanStream(chunks(coloured), 'crlf', setup);
  assert.equal(r.matches.length, 1);
  assert.doesNotMatch(r.matches[0]!.text, /\x1b|\r/);
});

test('from a trial: a report longer than an event holds (200 lines) does not hide the line after it', async () => {
  const frames = Array.from({ length: 198 }, (_, i) => `    (foglet_bbs 0.1.0) lib/foglet/board.ex:${i}: Foglet.Board.handle_info/2`);
  const log = ['10:00:00.000 [error] GenServer Foglet.Board terminating', '** (RuntimeError) boom', ...frames,
    'Crash dump is being written to: erl_crash.dump...done', '10:00:01.000 [info] after', ''].join('\n');
  const r = await scanStream(chunks(log), 'long', setup);
  assert.deepEqual(r.matches.map((m) => `${m.line} ${m.rule}`), ['201 crash_dump']);
});

test('from a trial: escapes in a JSON message (ANSI, NUL, CR) are cleaned as a raw line is; a byte-order mark does not hide the first line', async () => {
  const log = [
    '{"level":"error","message":"Crash d\\u001b[1mump is being written to: erl_crash.dump...done"}',
    '{"level":"error","message":"Kernel pid\\u0000 terminated (application_controller)\\r"}',
  ].join('\n');
  const r = await scanStream(chunks(`${log}\n`), 'json', setup);
  assert.deepEqual(r.matches.map((m) => `${m.line} ${m.rule}`), ['1 crash_dump', '2 kernel_pid_terminated']);
  const bom = await scanStream(chunks(Buffer.from([0xef, 0xbb, 0xbf]), 'Kernel pid terminated\n'), 'bom', pipelineSetup(validateConfig({
    logs: { rule_packs: [], rules: [{ id: 'anchored', category: 'crash', severity: 'critical', pattern: '^Kernel pid terminated$' }] },
  }).logs));
  assert.deepEqual(bom.matches.map((m) => `${m.line} ${m.rule}`), ['1 anchored']);
});

test('from a trial: a user\'s critical rule is not hidden behind a pack\'s warning of the same category on the same event', async () => {
  const logs = validateConfig({ logs: { rules: [
    { id: 'users_table_missing', category: 'db_connection', severity: 'critical', pattern: 'relation "users" does not exist' },
    { id: 'low', category: 'custom', severity: 'info', pattern: 'boom' },
    { id: 'high', category: 'custom', severity: 'critical', pattern: 'end' },
    { id: 'also_high', category: 'custom', severity: 'critical', pattern: 'boom' },
  ] } }).logs;
  const log = '12:00:05.000 [error] ** (Postgrex.Error) ERROR 42P01 (undefined_table) relation "users" does not exist\n12:00:06.000 [info] x boom and end\n';
  const r = await scanStream(chunks(log), 'app', pipelineSetup(logs));
  // The most severe per category; of two equally severe, the first.
  assert.deepEqual(r.matches.map((m) => `${m.line} ${m.rule} ${m.severity}`), ['1 users_table_missing critical', '2 high critical']);
});
