/**
 * The built-in pack must have no catastrophic backtracking: every pattern a line of
 * Foglet's log meets (rules, boot and crash markers, and the one regex that joins
 * the rules) goes through recheck, a ReDoS checker that proves a regex linear or
 * finds the attack string. It found two (`[^>]*` and `.*` after a literal prefix:
 * quadratic on a line of repeated prefixes, 2 s for a 256 KB event); both are bounded now.
 * The joined regex is too large for recheck's automaton and goes to its fuzzer, which
 * explores at random: a fixed seed makes the verdict the same on every run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSync } from 'recheck';
import { loadPack } from '../../src/logs/packs.js';

const pack = loadPack('foglet');
const patterns: Array<[string, string]> = [
  ...pack.rules.map((r): [string, string] => [`rule ${r.id}`, r.pattern]),
  ...pack.restart_markers.boot.map((b): [string, string] => [`boot marker ${b.kind}`, b.pattern]),
  ...pack.restart_markers.crash.map((c, i): [string, string] => [`crash marker ${i}`, c]),
];

test('every pattern of the built-in pack is safe from catastrophic backtracking', () => {
  assert.ok(patterns.length > 30, 'the pack was read');
  const unsafe = patterns.flatMap(([name, source]) => {
    const r = checkSync(source, 'u', { timeout: 20_000, randomSeed: 0 });
    return r.status === 'safe' ? [] : [`${name}: ${r.status}${r.status === 'vulnerable' ? ` (${r.complexity.summary}, attack ${JSON.stringify(r.attack.pumps[0]?.pump)})` : ''}`];
  });
  assert.deepEqual(unsafe, []);
});

test('the regex that joins the rules (one pass over every event) is safe too', () => {
  const r = checkSync(pack.rules.map((x) => `(?:${x.pattern})`).join('|'), 'u', { timeout: 60_000, randomSeed: 0 });
  assert.equal(r.status, 'safe', r.status === 'vulnerable' ? JSON.stringify(r.attack.pumps[0]) : r.status);
});

test('the checker finds what the pack had before: an unbounded class after a literal prefix', () => {
  const r = checkSync('Postgrex\\.Protocol \\(#PID<[^>]*>\\) failed to connect:', 'u');
  assert.equal(r.status, 'vulnerable');
});
