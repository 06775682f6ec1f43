import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { scanSetup, scanStream } from '../../src/logs/scan.js';

const setup = scanSetup(validateConfig({}).logs);
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
