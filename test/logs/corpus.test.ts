import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import YAML from 'yaml';
import { validateConfig } from '../../src/config/load.js';
import { SourcePipeline } from '../../src/logs/pipeline.js';
import { scanStream } from '../../src/logs/scan.js';
import { pipelineSetup } from '../../src/logs/setup.js';
import type { Signal } from '../../src/signals.js';

interface Case { expect: string | string[] | null; lines: string[] }
const corpus = (YAML.parse(readFileSync('test/fixtures/foglet-corpus.yaml', 'utf8')) as { cases: Case[] }).cases;

type Format = 'plain' | 'fly' | 'json';

/** The corpus as one log in a format, and the line range of each case in it. */
function render(format: Format): { text: string; ranges: Array<[number, number]> } {
  const out: string[] = [];
  const ranges: Array<[number, number]> = [];
  corpus.forEach((c, i) => {
    const start = out.length + 1;
    const at = new Date(Date.UTC(2026, 4, 18, 10, 0, i)).toISOString();
    if (format === 'json') {
      out.push(JSON.stringify({ time: at, level: c.expect ? 'error' : 'info', message: c.lines.filter((l) => l !== '').join('\n') }));
    } else {
      for (const l of c.lines) out.push(format === 'fly' ? `${at} app[e2865013f4d8] iad [info] ${l}` : l);
      out.push(format === 'fly' ? `${at} app[e2865013f4d8] iad [info] ` : '');
    }
    ranges.push([start, out.length]);
  });
  return { text: out.join('\n') + '\n', ranges };
}

for (const format of ['plain', 'fly', 'json'] as const) {
  test(`the foglet pack finds every failure category and leaves healthy lines alone (${format})`, async (t) => {
    const { text, ranges } = render(format);
    const setup = pipelineSetup(validateConfig({}).logs);
    const { matches } = await scanStream(Readable.from([Buffer.from(text)]), format, setup);
    let tp = 0; let fp = 0; let fn = 0;
    const wrong: string[] = [];
    corpus.forEach((c, i) => {
      const [from, to] = ranges[i]!;
      const found = new Set(matches.filter((m) => m.line >= from && m.line <= to && m.rule !== 'restart_loop').map((m) => m.category));
      const expected = c.expect === null ? [] : Array.isArray(c.expect) ? c.expect : [c.expect];
      for (const cat of expected) {
        if (found.has(cat)) tp++; else { fn++; wrong.push(`missed ${cat}: ${c.lines[0]}`); }
      }
      for (const cat of found) if (!expected.includes(cat)) { fp++; wrong.push(`false ${cat}: ${c.lines[0]}`); }
    });
    const precision = tp / Math.max(1, tp + fp);
    const recall = tp / Math.max(1, tp + fn);
    t.diagnostic(`${format}: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${tp} found, ${fp} false, ${fn} missed)`);
    assert.deepEqual(wrong, []);
    const categories = new Set(corpus.flatMap((c) => (c.expect === null ? [] : ([] as string[]).concat(c.expect))));
    for (const cat of ['migration_failure', 'db_connection', 'missing_secret', 'ssh_host_key', 'smtp', 'crash']) {
      assert.ok(categories.has(cat), `corpus covers ${cat}`);
    }
  });
}

test('a restart loop is one signal, a normal restart none', async () => {
  const boot = (t: string) => [
    `${t} app[e28] iad [info] 10:00:00.000 [info] Running FogletBbsWeb.Endpoint with Bandit 1.10.4 at :::4000 (http)`,
    `${t} app[e28] iad [info] 10:00:00.100 [info] Foglet SSH daemon started on port 2222`,
  ];
  const crash = (t: string) => `${t} app[e28] iad [info] 10:00:01.000 [notice] Application foglet_bbs exited: exited in: FogletBbs.Application.start(:normal, [])`;
  const setup = pipelineSetup(validateConfig({}).logs);
  const loopLog = [0, 1, 2, 3, 4].flatMap((m) => [...boot(`2026-05-18T10:0${m}:00Z`), crash(`2026-05-18T10:0${m}:30Z`)]).join('\n');
  const loop = await scanStream(Readable.from([Buffer.from(loopLog)]), 'fly', setup);
  assert.equal(loop.matches.filter((m) => m.rule === 'restart_loop').length, 1, 'one signal for five boots');

  // Two deploys an hour apart, each a clean stop and one boot (with several markers): no loop.
  const stop = (t: string) => `${t} app[e28] iad [info] 10:00:01.000 [notice] Application foglet_bbs exited: :stopped`;
  const healthy = [...boot('2026-05-18T10:00:00Z'), stop('2026-05-18T11:00:00Z'), ...boot('2026-05-18T11:00:10Z'),
    stop('2026-05-18T12:00:00Z'), ...boot('2026-05-18T12:00:10Z')].join('\n');
  const ok = await scanStream(Readable.from([Buffer.from(healthy)]), 'fly', setup);
  assert.deepEqual(ok.matches, []);
});

test('a signal names the line its rule matched, not just the first line of the event', () => {
  const setup = pipelineSetup(validateConfig({}).logs);
  const signals: Signal[] = [];
  const pipeline = new SourcePipeline('app', { rules: setup.rules, markers: setup.markers, contextLines: 2 }, { onSignal: (s) => signals.push(s) });
  for (const l of ['ERROR! Config provider Config.Reader failed with:', '** (RuntimeError) environment variable SECRET_KEY_BASE is missing.', '']) pipeline.pushLine(l);
  pipeline.flush();
  const s = signals.find((x) => x.category === 'missing_secret');
  assert.ok(s, JSON.stringify(signals));
  assert.match(s.summary, /SECRET_KEY_BASE is missing/);
  assert.equal(s.evidence?.lines?.[0], 'ERROR! Config provider Config.Reader failed with:');
});
