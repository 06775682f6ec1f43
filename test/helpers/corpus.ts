/**
 * The labelled corpus of real log events (test/fixtures/real-corpus/: text that libraries
 * and runtimes printed, as people pasted it in public issues, each case with its source),
 * scored against the rule pack: recall per category, and the share of healthy events
 * flagged (false alarms). Each case is scanned on its own, in three formats: as pasted,
 * behind Fly's `TIMESTAMP app[ID] REGION [info]` prefix, and as one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import YAML from 'yaml';
import { scanStream } from '../../src/logs/scan.js';
import type { PipelineSetup } from '../../src/logs/setup.js';

export interface CorpusCase {
  expect: string | string[] | null;
  source: string;
  note?: string;
  lines: string[];
  file: string;
}

export type CorpusFormat = 'pasted' | 'fly' | 'json';
export const CORPUS_FORMATS: CorpusFormat[] = ['pasted', 'fly', 'json'];

export function loadCorpus(dir = 'test/fixtures/real-corpus'): CorpusCase[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) =>
    (YAML.parse(readFileSync(path.join(dir, f), 'utf8')) as { cases: Omit<CorpusCase, 'file'>[] }).cases.map((c) => ({ ...c, file: f })));
}

export function expectedOf(c: CorpusCase): string[] {
  return c.expect === null ? [] : Array.isArray(c.expect) ? c.expect : [c.expect];
}

export function renderCase(c: CorpusCase, format: CorpusFormat): string {
  if (format === 'json') return `${JSON.stringify({ time: '2026-05-18T10:00:00.000Z', level: 'info', message: c.lines.join('\n') })}\n`;
  if (format === 'fly') return c.lines.map((l) => `2026-05-18T10:00:00Z app[e2865013f4d8] iad [info] ${l}`).join('\n') + '\n';
  return `${c.lines.join('\n')}\n`;
}

export interface CorpusScore {
  /** Per category: events labelled with it, and how many of them the pack gave it. */
  categories: Map<string, { expected: number; found: number }>;
  healthy: { total: number; flagged: number };
  /** Failure events given a category they are not labelled with (besides the right one or not). */
  mislabelled: number;
  misses: string[];
  falseAlarms: string[];
}

export async function scoreCorpus(cases: CorpusCase[], setup: PipelineSetup, format: CorpusFormat): Promise<CorpusScore> {
  const score: CorpusScore = { categories: new Map(), healthy: { total: 0, flagged: 0 }, mislabelled: 0, misses: [], falseAlarms: [] };
  for (const c of cases) {
    const { matches } = await scanStream(Readable.from([Buffer.from(renderCase(c, format))]), c.file, setup);
    const found = new Set(matches.filter((m) => m.rule !== 'restart_loop').map((m) => m.category));
    const expected = expectedOf(c);
    const first = c.lines.find((l) => l.trim()) ?? '';
    if (expected.length === 0) {
      score.healthy.total++;
      if (found.size > 0) {
        score.healthy.flagged++;
        score.falseAlarms.push(`${[...found].join(',')} <- ${c.file}: ${first.slice(0, 140)} (${c.source})`);
      }
      continue;
    }
    for (const cat of expected) {
      const entry = score.categories.get(cat) ?? { expected: 0, found: 0 };
      entry.expected++;
      if (found.has(cat)) entry.found++;
      else score.misses.push(`${cat} missed: ${c.file}: ${first.slice(0, 140)} (${c.source})`);
      score.categories.set(cat, entry);
    }
    if ([...found].some((cat) => !expected.includes(cat))) score.mislabelled++;
  }
  return score;
}

/** One line per category and one for healthy events, for a test's diagnostics and the bench. */
export function describeScore(s: CorpusScore): string[] {
  const out = [...s.categories].sort(([a], [b]) => a.localeCompare(b)).map(([cat, { expected, found }]) =>
    `${cat.padEnd(18)} recall ${(found / expected).toFixed(2)} (${found}/${expected})`);
  out.push(`${'healthy'.padEnd(18)} false alarms ${(s.healthy.flagged / Math.max(1, s.healthy.total)).toFixed(3)} (${s.healthy.flagged}/${s.healthy.total}); failure events also given a wrong category: ${s.mislabelled}`);
  return out;
}
