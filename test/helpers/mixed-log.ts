/**
 * A mixed log for tests that compare two ways of reading it: corpus events in every format
 * among healthy Foglet lines, boots and crashes, migrations, blank lines, stray indented and
 * `**` lines, CRLF and ANSI; the same on every run for a seed.
 */
import { CORPUS_FORMATS, loadCorpus, renderCase } from './corpus.js';

/** A seeded generator: the same mixed log on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const HEALTHY = [
  '[info] GET /up', '[info] Sent 200 in 312µs', '[debug] QUERY OK source="boards" db=0.4ms', '[info] Migrations already up',
  '[info] GET /boards?q=error+failed+ERROR', '[info] board_post_created board=general', '[warning] slow query took 2.1s',
];

/** Corpus events in every format among healthy Foglet lines, blank lines, stray indented and `**` lines, CRLF and ANSI. */
export function mixedLog(seed: number): string {
  const r = rng(seed);
  const cases = [...loadCorpus(), ...loadCorpus('test/fixtures/real-corpus-holdout'), ...loadCorpus('test/fixtures/real-corpus-holdout-3'), ...loadCorpus('test/fixtures/real-corpus-holdout-4')];
  const out: string[] = [];
  let ms = 0;
  // The last hours before now: Foglet's lines carry only a time of day, read as today's unless
  // that is ahead of the clock. A fixed day's 00:00-04:30 was read as the future from just after
  // midnight (every event at "now"), and no restart loop formed: the test failed at that hour.
  const base = Date.now() - 6 * 3600_000;
  for (let i = 0; i < 4000; i++) {
    ms += Math.floor(r() * 4000);
    const t = new Date(base + ms);
    const hhmm = t.toISOString().slice(11, 23);
    const x = r();
    if (x < 0.08) {
      const c = cases[Math.floor(r() * cases.length)]!;
      const format = CORPUS_FORMATS[Math.floor(r() * 3)]!;
      out.push(...renderCase(c, format).replace(/2026-05-18T10:00:00(?:\.000)?Z/g, t.toISOString()).split('\n').filter((l, k, a) => k < a.length - 1));
    } else if (x < 0.09) {
      // A boot: two markers of it, now and then after a crash, so that restart loops form.
      out.push(`${hhmm} [info] Running FogletBbsWeb.Endpoint with Bandit 1.5.7 at :::4000 (http)`, `${hhmm} [info] Foglet SSH daemon started on port 2222`);
      if (r() < 0.5) out.push(`${hhmm} [error] Kernel pid terminated (application_controller) ("{application_start_failure,foglet_bbs}")`);
    } else if (x < 0.095) {
      // Migrations: a run that fails or ends; the same Postgrex error is a failed migration inside one, a database error outside.
      if (r() < 0.5) out.push(`${hhmm} [info] == Running 20261130${i} FogletBbs.Repo.Migrations.AddThings.change/0 forward`);
      if (r() < 0.5) out.push(`${hhmm} [info] == Migrated 20261130${i} in 0.1s`);
      if (r() < 0.5) out.push(`${hhmm} [error] ** (Postgrex.Error) ERROR 57014 (query_canceled) canceling statement due to statement timeout`);
    } else if (x < 0.1) out.push('');
    else if (x < 0.12) out.push('    (foglet_bbs 0.1.0) lib/foglet_bbs/application.ex:12: FogletBbs.Application.start/2');
    else if (x < 0.13) out.push('** (RuntimeError) something');
    else if (x < 0.14) out.push(`${hhmm} [info] \x1b[31mcoloured\x1b[0m line ending in CR\r`);
    else if (x < 0.16) out.push(`${t.toISOString()} app[e2865013f4d8] iad [info] ${HEALTHY[Math.floor(r() * HEALTHY.length)]!.replace(/^\[\w+\] /, '')}`);
    else out.push(`${hhmm} request_id=F${i.toString(36)} ${HEALTHY[Math.floor(r() * HEALTHY.length)]!}`);
  }
  return `${out.join('\n')}\n`;
}
