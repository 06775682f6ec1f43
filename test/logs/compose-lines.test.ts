/**
 * A board run with Docker Compose beside its Postgres writes `docker compose logs` lines:
 * `foglet-1  | <the board's line>`. The prefix is read like Fly's: the board's own line inside
 * keeps its level and time, the container is the line's instance, and two containers' lines
 * (or two Fly machines') never make one event.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { parseLine } from '../../src/logs/line.js';
import { scanStream } from '../../src/logs/scan.js';
import { pipelineSetup } from '../../src/logs/setup.js';

async function scan(lines: string[]) {
  const { matches } = await scanStream(Readable.from([Buffer.from(`${lines.join('\n')}\n`)]), 'board', pipelineSetup(validateConfig({}).logs));
  return matches.map((m) => `${m.category}/${m.rule}@${m.line}`);
}

test('compose prefixes (v2 foglet-1, v1 foglet_1, a container_name, with -t timestamps) are read like Fly\'s', () => {
  const v2 = parseLine('foglet-1  | 12:00:01.250 [error] ** (Postgrex.Error) FATAL 28P01 (invalid_password)');
  assert.equal(v2.instance, 'foglet-1');
  assert.equal(v2.level, 'error');
  assert.equal(v2.time, 12 * 3600_000 + 1250);
  assert.equal(v2.header, true);
  assert.match(v2.message, /^\*\* \(Postgrex\.Error\)/);
  const v1 = parseLine('foglet_1      | 2026-03-01T12:00:01.000000000Z Running FogletBbsWeb.Endpoint with Bandit 1.10.4');
  assert.equal(v1.instance, 'foglet_1');
  assert.equal(v1.time, Date.parse('2026-03-01T12:00:01Z'));
  assert.equal(parseLine('foglet | Loading foglet_bbs..').instance, 'foglet');
  const stack = parseLine('foglet-1  |     (ecto_sql 3.12.1) lib/ecto/migration/runner.ex:25: Ecto.Migration.Runner.run/8');
  assert.equal(stack.header, false);
  assert.equal(stack.instance, 'foglet-1');
  // Not a prefix: no space before the bar, or not at the line's start.
  assert.equal(parseLine('a|b').instance, undefined);
  assert.equal(parseLine('   id | name').instance, undefined);
});

test('a failed migration in a compose log, with the database\'s lines between the board\'s, is a failed migration', async () => {
  const got = await scan([
    'foglet-1    | 12:00:00.000 [info] == Running 20260301120000 FogletBbs.Repo.Migrations.AddDoors.change/0 forward',
    'postgres-1  | 2026-03-01 12:00:00.005 UTC [35] LOG:  checkpoint starting: time',
    'foglet-1    | ** (Postgrex.Error) ERROR 42P01 (undefined_table) relation "doors" does not exist',
    'foglet-1    |     (ecto_sql 3.12.1) lib/ecto/adapters/sql.ex:1096: Ecto.Adapters.SQL.raise_sql_call_error/1',
  ]);
  assert.deepEqual(got, ['migration_failure/postgrex_error_while_migrating@3']);
});

test('a stack line of one Fly machine does not join the event of another machine printed between', async () => {
  // Machine a runs the migration; machine b's line lands between a's header and a's error.
  const got = await scan([
    '2026-03-01T12:00:00.000Z app[aaaa1111] iad [info] 12:00:00.000 [info] == Running 20260301120000 FogletBbs.Repo.Migrations.AddDoors.change/0 forward',
    '2026-03-01T12:00:00.004Z app[bbbb2222] iad [info] 12:00:00.004 [info] Sent 200 in 2ms',
    '2026-03-01T12:00:00.005Z app[aaaa1111] iad [info] ** (Postgrex.Error) ERROR 42P01 (undefined_table) relation "doors" does not exist',
  ]);
  assert.deepEqual(got, ['migration_failure/postgrex_error_while_migrating@3']);
});

test('a hostile line of prefixes within prefixes is read, not fatal: at most a few are taken off', () => {
  const composes = parseLine('a | '.repeat(20_000));
  assert.equal(typeof composes.message, 'string');
  const flys = parseLine('2026-05-18T10:00:00Z app[e2865013f4d8] iad [info] '.repeat(20_000));
  assert.equal(typeof flys.message, 'string');
});
