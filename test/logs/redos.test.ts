/**
 * The built-in pack must have no catastrophic backtracking: every pattern a line of
 * Foglet's log meets (rules, boot and crash markers) goes through recheck, a ReDoS
 * checker that proves a regex linear or finds the attack string. It found two (`[^>]*`
 * and `.*` after a literal prefix: quadratic on a line of repeated prefixes, 2 s for a
 * 256 KB event); both are bounded now.
 * recheck's automaton checker decides exactly; only for the patterns it does not support
 * (lookaheads) does the fuzzer decide, with a fixed seed so that the verdict is the same
 * on every run. The regex that joins the rules is an alternation of these, whose cost on a
 * backtracking engine is the sum of its branches': linear when each is. (recheck cannot
 * decide the joined one: the automaton runs out of time and the fuzzer takes bounded
 * repetitions such as {1,255} for polynomial, a verdict that changed from run to run.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSync } from 'recheck';
import { loadPack } from '../../src/logs/packs.js';

const pack = loadPack('foglet');
const patterns: Array<[string, string]> = [
  ...pack.rules.map((r): [string, string] => [`rule ${r.id}`, r.pattern]),
  ...pack.rules.filter((r) => r.unless).map((r): [string, string] => [`rule ${r.id} (unless)`, r.unless!]),
  ...pack.restart_markers.boot.map((b): [string, string] => [`boot marker ${b.kind}`, b.pattern]),
  ...pack.restart_markers.crash.map((c, i): [string, string] => [`crash marker ${i}`, c]),
];

function verdict(source: string) {
  const exact = checkSync(source, 'u', { checker: 'automaton', timeout: 20_000 });
  if (exact.status !== 'unknown' || exact.error.kind !== 'unsupported') return exact;
  return checkSync(source, 'u', { checker: 'fuzz', timeout: 20_000, randomSeed: 0 });
}

test('every pattern of the built-in pack is safe from catastrophic backtracking', () => {
  assert.ok(patterns.length > 30, 'the pack was read');
  const unsafe = patterns.flatMap(([name, source]) => {
    const r = verdict(source);
    return r.status === 'safe' ? [] : [`${name}: ${r.status}${r.status === 'vulnerable' ? ` (${r.complexity.summary}, attack ${JSON.stringify(r.attack.pumps[0]?.pump)})` : ''}`];
  });
  assert.deepEqual(unsafe, []);
});

test('the checker finds what the pack had before: an unbounded class after a literal prefix', () => {
  const r = checkSync('Postgrex\\.Protocol \\(#PID<[^>]*>\\) failed to connect:', 'u');
  assert.equal(r.status, 'vulnerable');
});
