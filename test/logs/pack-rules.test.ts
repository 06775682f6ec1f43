/**
 * The built-in pack's own rule tests (src/logs/rules/foglet.test.yaml, shipped beside the
 * pack and run by `foglet-monitor rules test`), one test each; and the contexts they rely
 * on: `migrating` ends with the migrations, or after its `lasts` without them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { describeFailure, loadRuleTests, runRuleTest } from '../../src/logs/rule-tests.js';
import { scanStream } from '../../src/logs/scan.js';
import { pipelineSetup } from '../../src/logs/setup.js';
import { packChecks } from '../../src/logs/packs.js';

const setup = pipelineSetup(validateConfig({}).logs);
const tests = await loadRuleTests('src/logs/rules/foglet.test.yaml');

test('the pack has rule tests for every category it pages on', () => {
  const categories = new Set(tests.flatMap((t) => t.expect.map((e) => e.category)));
  for (const c of ['migration_failure', 'db_connection', 'missing_secret', 'ssh_host_key', 'smtp', 'crash']) assert.ok(categories.has(c), c);
  assert.ok(tests.some((t) => t.expect.length === 0), 'and healthy lines');
});

for (const t of tests) {
  test(`pack rule test: ${t.name}`, async () => {
    const r = await runRuleTest(t, setup, 'src/logs/rules');
    assert.ok(r.ok, describeFailure(r));
  });
}

test('the migrating context lasts 10 minutes at most without a line that ends it', async () => {
  const log = [
    '2026-05-18T12:00:00Z app[e28] iad [info] 12:00:00.000 [info] == Running 20260301120000 FogletBbs.Repo.Migrations.AddDoors.change/0 forward',
    '2026-05-18T12:09:00Z app[e28] iad [info] 12:09:00.000 [error] ** (Postgrex.Error) ERROR 42P01 (undefined_table) relation "doors" does not exist',
    '2026-05-18T12:11:00Z app[e28] iad [info] 12:11:00.000 [error] ** (Postgrex.Error) ERROR 42P01 (undefined_table) relation "doors" does not exist',
  ].join('\n');
  const { matches } = await scanStream(Readable.from([Buffer.from(log)]), 'fly', setup);
  assert.deepEqual(matches.map((m) => `${m.line} ${m.category}`), ['2 migration_failure', '3 db_connection']);
});

test("a user's rule may use the packs' contexts; one naming a context they lack is refused, naming the field", () => {
  const ok = validateConfig({ logs: { rules: [{ id: 'seed_failed', category: 'migration_failure', severity: 'critical', pattern: 'seed failed', context: 'migrating' }] } }, 'x.yaml', undefined, packChecks);
  assert.equal(ok.logs.rules[0]!.context, 'migrating');
  assert.throws(() => validateConfig({ logs: { rules: [{ id: 'x', category: 'crash', severity: 'critical', pattern: 'x', context: '!deploying' }] } }, 'x.yaml', undefined, packChecks),
    /logs\.rules\[0\]\.context: no context "deploying" in the rule packs in use \(foglet\): migrating/);
  assert.throws(() => validateConfig({ logs: { rule_overrides: { no_such_rule: { enabled: false } } } }, 'x.yaml', undefined, packChecks),
    /logs\.rule_overrides\.no_such_rule: no rule "no_such_rule" in the rule packs in use \(foglet\)/);
});

test('the pack the monitor loads is what the schema makes of the YAML in src/, the same data, Durations and all', async () => {
  const { readFileSync } = await import('node:fs');
  const { thawJson } = await import('../../src/schema/frozen.js');
  const { checkedPack } = await import('../../src/logs/pack-schema.js');
  const { loadPack } = await import('../../src/logs/packs.js');
  const compiled = thawJson(readFileSync(new URL('../../src/logs/rules/foglet.json', import.meta.url), 'utf8'));
  const fromSource = checkedPack('foglet', pathToFileURL(path.resolve('src/logs/rules/foglet.yaml')));
  assert.deepEqual(compiled, fromSource);
  assert.deepEqual(loadPack('foglet'), fromSource);
  assert.ok(loadPack('foglet').rules.every((r) => r.quiet_for.ms > 0), 'quiet_for read back as a Duration');
});

test('the default logs settings a scan without -c uses are what the config schema gives for nothing set', async () => {
  const { defaultLogs } = await import('../../src/logs/default-logs.js');
  const logs = await defaultLogs();
  assert.deepEqual(logs, validateConfig({}).logs);
  assert.equal(logs.restart_loop.window.ms, 600_000);
});
