import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { Prefilter, requiredLiterals } from '../../src/logs/prefilter.js';
import { scanStream } from '../../src/logs/scan.js';
import { pipelineSetup, type PipelineSetup } from '../../src/logs/setup.js';
import { loadCorpus } from '../helpers/corpus.js';
import { mixedLog } from '../helpers/mixed-log.js';

const sorted = (x: string[] | undefined) => x && [...x].sort();

test('required literals: what every match must contain, or nothing when that cannot be proven', () => {
  assert.deepEqual(sorted(requiredLiterals('Kernel pid terminated')), ['Kernel pid terminated']);
  assert.deepEqual(sorted(requiredLiterals('(?:foo|bar)baz')), ['barbaz', 'foobaz']);
  assert.deepEqual(sorted(requiredLiterals('[Cc]ould not start')), ['Could not start', 'could not start']);
  // The longest proven piece wins; a gap (\d+, .*) splits the pattern.
  assert.deepEqual(requiredLiterals('ERROR \\d{5} \\(duplicate_table\\)'), [' (duplicate_table)']);
  assert.deepEqual(requiredLiterals('a.*bcd'), ['bcd']);
  // A newline is never inside a literal: a match may span an event's lines, a literal is found in one.
  assert.deepEqual(requiredLiterals('failed with:\\nDATABASE'), ['failed with:']);
  assert.deepEqual(requiredLiterals('\\w+ed'), ['ed']);
  // Zero-width parts contribute nothing; a lookahead's content is not required.
  assert.deepEqual(requiredLiterals('^Application \\w+ exited: (?!:stopped)'), ['Application ']);
  assert.deepEqual(requiredLiterals('(?=abc)xyz\\b'), ['xyz']);
  assert.deepEqual(requiredLiterals('(?:abc){2,}'), ['abc']);
  // An alternative that requires nothing frees the whole.
  assert.equal(requiredLiterals('foo|\\w+'), undefined);
  assert.equal(requiredLiterals('(?:timeout)?'), undefined);
  assert.equal(requiredLiterals('.*'), undefined);
  assert.equal(requiredLiterals('[^a]+'), undefined);
  assert.equal(requiredLiterals('(.)\\1'), undefined);
  // RE2-only syntax (users' rules run on RE2JS) does not parse as JavaScript: no prefilter.
  assert.equal(requiredLiterals('(?i)kernel'), undefined);
  assert.equal(requiredLiterals('[[:alpha:]]+ failed'), undefined);
  assert.equal(requiredLiterals('\\pL+ failed'), undefined);
  // Long literals are cut at a code point, never inside a surrogate pair.
  const long = requiredLiterals(`${'x'.repeat(31)}😀tail`)!;
  assert.deepEqual(long, [`${'x'.repeat(31)}😀`]);
});

test('the prefilter passes every message that holds a literal, in any case when a pattern ignores case, and is off when one requires nothing', () => {
  const p = new Prefilter([{ source: 'Kernel pid terminated' }, { source: 'econnrefused', ignoreCase: true }]);
  assert.equal(p.test('... Kernel pid terminated (application_controller)'), true);
  assert.equal(p.test('tcp connect (db:5432): ECONNREFUSED'), true);
  assert.equal(p.test('GET /up'), false);
  // Unicode case folding, as the rules' own `iu` flags do it: the Kelvin sign is a k.
  assert.equal(new Prefilter([{ source: 'kernel', ignoreCase: true }]).test('\u212Aernel'), true);
  const off = new Prefilter([{ source: 'Kernel' }, { source: '\\d+' }]);
  assert.equal(off.off, '\\d+');
  assert.equal(off.test('GET /up'), true);
  assert.equal(new Prefilter([]).test('anything'), false);
  // Syntax characters and control characters in literals are escaped, not interpreted.
  const syntax = new Prefilter([{ source: '%Postgrex\\.Error\\{' }, { source: 'a\\tb' }, { source: '\\(exit\\) \\*\\*' }]);
  assert.equal(syntax.test('** (exit) ** %Postgrex.Error{'), true);
  assert.equal(syntax.test('a\tb'), true);
  assert.equal(syntax.test('%PostgrexXError{ ab (exit)'), false);  // Without `i` the trie is a plain (non-`u`) expression: non-ASCII and astral literals
  // are written as their UTF-16 code units and still match only themselves.
  const wide = new Prefilter([{ source: 'Sent 200 in \\d+µs' }, { source: 'boot 😀 done' }, { source: 'caf\u00e9' }]);
  assert.equal(wide.re?.flags, '');
  assert.equal(wide.test('[info] Sent 200 in 312µs'), true);
  assert.equal(wide.test('boot 😀 done'), true);
  assert.equal(wide.test('boot 😁 done'), false);
  assert.equal(wide.test('café au lait'), true);
  assert.equal(wide.test('cafe\u0301'), false);
});

/** Every pattern the pipeline tests. */
function patternsOf(setup: PipelineSetup): Array<{ source: string; ignoreCase?: boolean }> {
  return [
    ...setup.rules.rules.map((r) => ({ source: (r.pattern as RegExp).source, ignoreCase: (r.pattern as RegExp).ignoreCase })),
    ...setup.contexts.flatMap((c) => [{ source: c.enter }, { source: c.leave }]),
    ...setup.markers.boot.map((b) => ({ source: b.pattern })),
    ...setup.markers.crash.map((c) => ({ source: c })),
  ];
}

test('soundness on real text: wherever a pattern of the pack matches an event of the corpora, one of its lines passes that pattern\'s prefilter', () => {
  const setup = pipelineSetup(validateConfig({}).logs);
  const cases = [...loadCorpus(), ...loadCorpus('test/fixtures/real-corpus-holdout'), ...loadCorpus('test/fixtures/real-corpus-holdout-2'), ...loadCorpus('test/fixtures/real-corpus-holdout-3'), ...loadCorpus('test/fixtures/real-corpus-holdout-4')];
  let matched = 0;
  for (const p of patternsOf(setup)) {
    const re = new RegExp(p.source, p.ignoreCase ? 'iu' : 'u');
    const gate = new Prefilter([p]);
    assert.equal(gate.off, undefined, `the pack's pattern ${p.source} has a prefilter`);
    for (const c of cases) {
      if (!re.test(c.lines.join('\n'))) continue;
      matched++;
      assert.ok(c.lines.some((l) => gate.test(l)), `${p.source} matches ${c.file}: ${c.lines[0]} but no line passes its prefilter`);
    }
  }
  assert.ok(matched > 200, `patterns matched ${matched} events`);
});

test('scan finds the same matches, on the same lines, with the prefilter as without it', async () => {
  const logs = validateConfig({ logs: { restart_loop: { starts: 2, window: '1h', min_uptime: '10m' } } }).logs;
  const on = pipelineSetup(logs);
  const off: PipelineSetup = { ...on, prefilter: new Prefilter([{ source: '.*' }]), leavePrefilter: new Prefilter([{ source: '.*' }]), finders: {} };
  assert.equal(on.prefilter.off, undefined);
  assert.notEqual(off.prefilter.off, undefined);
  for (const seed of [1, 2, 3]) {
    const text = mixedLog(seed);
    // Chunks of odd sizes: lines are split across reads.
    const chunks = (n: number) => { const b = Buffer.from(text); const out: Buffer[] = []; for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n)); return out; };
    const a = await scanStream(Readable.from(chunks(65_536)), 'mixed', on);
    const b = await scanStream(Readable.from(chunks(4093)), 'mixed', off);
    assert.ok(b.matches.length > 100, `seed ${seed}: ${b.matches.length} matches without the prefilter`);
    assert.ok(b.matches.some((m) => m.rule === 'restart_loop'), `seed ${seed}: a restart loop among them`);
    const postgrex = b.matches.filter((m) => m.text.includes('ERROR 57014 (query_canceled)'));
    assert.ok(postgrex.some((m) => m.category === 'migration_failure') && postgrex.some((m) => m.category === 'db_connection'), `seed ${seed}: the same error inside and outside a migration`);
    assert.equal(a.lines, b.lines);
    assert.deepEqual(a.matches, b.matches, `seed ${seed}`);
  }
});

test('the literals the build wrote for the packs are what the patterns give, and every pattern of the default setup is among them', async () => {
  const { readFileSync } = await import('node:fs');
  const { workOut } = await import('../../src/logs/prefilter.js');
  const built = JSON.parse(readFileSync(new URL('../../src/logs/rules/literals.json', import.meta.url), 'utf8')) as Record<string, string[] | null>;
  assert.ok(Object.keys(built).length > 50);
  for (const [source, lits] of Object.entries(built)) assert.deepEqual(lits, workOut(source) ?? null, source);
  const { loadPack } = await import('../../src/logs/packs.js');
  const pack = loadPack('foglet');
  const patterns = [...pack.rules.map((r) => r.pattern), ...pack.contexts.flatMap((c) => [c.enter, c.leave])];
  assert.deepEqual(patterns.filter((p) => !(p in built)), [], 'a pattern of the pack the build did not see');
});
