/**
 * `foglet-monitor rules test`: a passing file exits 0, a failing one 1 with what was
 * missing and what matched instead, a bad file 2 naming the field; the config's own
 * rules take part with -c; a test may read a log file next to it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-rules-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

test('every test passing: exit 0 and a count', async () => {
  const f = file('pass.yaml', `tests:
  - name: a missing secret names its rule and the line the event starts on
    lines:
      - "ERROR! Config provider Config.Reader failed with:"
      - "** (RuntimeError) environment variable SECRET_KEY_BASE is missing."
    expect: [{ category: missing_secret, rule: missing_secret_key_base, line: 1 }]
  - name: a boot line matches nothing
    lines: ["10:00:00.000 [info] Running FogletBbsWeb.Endpoint with Bandit 1.10.4 at :::4000 (http)"]
    expect: []
`);
  const r = await runCli(['rules', 'test', f]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /2 test\(s\): 2 passed, 0 failed/);
});

test('a failing test: exit 1, with the expected match that is missing and the one that came instead', async () => {
  const f = file('fail.yaml', `tests:
  - name: labelled wrong on purpose
    lines: ["** (Ecto.MigrationError) migration 1 is not a valid migration module"]
    expect: [{ category: smtp }]
`);
  const r = await runCli(['rules', 'test', f]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL .*fail\.yaml: labelled wrong on purpose\n {2}- missing: {4}smtp\n {2}\+ unexpected: migration_failure\/ecto_migration_error at line 1: \*\* \(Ecto\.MigrationError\)/);
  assert.match(r.stdout, /1 test\(s\): 0 passed, 1 failed/);
});

test('a bad file exits 2 naming the file and the field; a missing file too', async () => {
  const f = file('bad.yaml', 'tests:\n  - name: no expectation\n    lines: ["x"]\n');
  const r = await runCli(['rules', 'test', f]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml: tests\[0\]\.expect: required: the matches expected, or \[\] when nothing may match/);
  const both = file('both.yaml', 'tests:\n  - { name: x, lines: [a], log: a.log, expect: [] }\n');
  assert.match((await runCli(['rules', 'test', both])).stderr, /both\.yaml: tests\[0\]: give either lines or log/);
  const gone = await runCli(['rules', 'test', path.join(dir, 'nope.yaml')]);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /nope\.yaml: .*ENOENT/);
});

test("with -c the config's own rules take part; a test may read a log file beside it", async () => {
  const config = file('monitor.yaml', `logs:
  rules:
    - { id: door_timeout, category: doors, severity: warning, pattern: 'door \\w+ timed out' }
`);
  file('doors.log', '10:00:00.000 [warning] door lord timed out after 30s\n10:00:01.000 [info] door lord started\n');
  const f = file('own.yaml', `tests:
  - name: the user's door rule
    log: doors.log
    expect: [{ category: doors, rule: door_timeout, line: 1 }]
`);
  assert.equal((await runCli(['rules', 'test', '-c', config, f])).code, 0);
  const without = await runCli(['rules', 'test', f]);
  assert.equal(without.code, 1, 'without the config the rule is not there');
  assert.match(without.stdout, /missing: {4}doors\/door_timeout at line 1/);
});
