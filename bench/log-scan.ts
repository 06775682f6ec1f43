/**
 * `scan` with the full foglet pack over a generated Foglet log, side by side in the
 * same run with `mtail --one_shot` running an equivalent program (one counter per
 * rule, the same regular expressions) over the same file. Lines per second for
 * both, the ratio, and peak memory (GNU time's max RSS) at two file sizes, to show
 * whether memory grows with the file.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { validateConfig } from '../src/config/load.js';
import { scanFile } from '../src/logs/scan.js';
import { pipelineSetup } from '../src/logs/setup.js';

interface Rule { id: string; pattern: string; ignore_case?: boolean }

const HEALTHY = [
  '[info] GET /up',
  '[info] Sent 200 in 312µs',
  '[info] SSH session started user=guest term=xterm-256color cols=100 rows=30',
  '[info] Migrations already up',
  '[debug] QUERY OK source="boards" db=0.4ms idle=812.3ms',
  '[info] [SSH.CLIHandler] session ended user=alice duration_ms=183004',
  '[info] Sent 200 in 1ms',
  '[info] board_post_created board=general thread=4821 user=bob',
];

/** Writes `lines` Foglet lines (HH:MM:SS.mmm key=value [level] message): healthy, and one failure of each corpus case every 10,000. */
export function generateLog(file: string, lines: number, failures: string[][]): { failureEvents: number } {
  const fd = openSync(file, 'w');
  let buf = '';
  let failureEvents = 0;
  let n = 0;
  while (n < lines) {
    const ms = n * 7;
    const t = `${String(Math.floor(ms / 3_600_000) % 24).padStart(2, '0')}:${String(Math.floor(ms / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
    if (n % 10_000 === 5_000) {
      const f = failures[failureEvents++ % failures.length]!;
      for (const l of f) { buf += `${l}\n`; n++; }
    } else {
      buf += `${t} request_id=F${(n * 2654435761 >>> 0).toString(36)} ${HEALTHY[n % HEALTHY.length]}\n`;
      n++;
    }
    if (buf.length > 1 << 20) { writeSync(fd, buf); buf = ''; }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return { failureEvents };
}

/** The pack as an mtail program: a counter per rule. RE2 has no lookahead, so `(?!x)` becomes a second, negative match. */
export function mtailProgram(rules: Rule[]): string {
  const out: string[] = [];
  for (const r of rules) {
    const name = `log_matches_${r.id.replace(/[^a-z0-9_]/g, '_')}`;
    out.push(`counter ${name}`);
    const flags = r.ignore_case ? '(?i)' : '';
    // RE2 has no lookahead: one is split into a match and an excluded match; with more than one
    // (a pattern of alternatives), each is dropped: mtail then counts a few more lines, at the same cost.
    const lookaheads = r.pattern.split('(?!').length - 1;
    const neg = lookaheads === 1 ? negativeLookahead(r.pattern) : undefined;
    const pattern = lookaheads > 1 ? stripLookaheads(r.pattern) : r.pattern;
    if (neg) {
      out.push(`/${flags}${neg.base.replace(/\//g, '\\/')}/ {\n  /${flags}${neg.excluded.replace(/\//g, '\\/')}/ {\n  } else {\n    ${name}++\n  }\n}`);
    } else {
      out.push(`/${flags}${pattern.replace(/\//g, '\\/')}/ {\n  ${name}++\n}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The pattern with every `(?!...)` group removed. */
function stripLookaheads(pattern: string): string {
  let out = pattern;
  for (let at = out.indexOf('(?!'); at !== -1; at = out.indexOf('(?!')) {
    let depth = 0;
    let end = out.length;
    for (let i = at; i < out.length; i++) {
      if (out[i] === '\\') { i++; continue; }
      if (out[i] === '(') depth++;
      if (out[i] === ')' && --depth === 0) { end = i + 1; break; }
    }
    out = out.slice(0, at) + out.slice(end);
  }
  return out;
}

/** `A(?!B)C` as base `AC` and excluded `AB`: the lines that match AC but not AB (exact when C is empty, as in the pack). */
function negativeLookahead(pattern: string): { base: string; excluded: string } | undefined {
  const at = pattern.indexOf('(?!');
  if (at === -1) return undefined;
  let depth = 0;
  for (let i = at; i < pattern.length; i++) {
    if (pattern[i] === '\\') { i++; continue; }
    if (pattern[i] === '(') depth++;
    if (pattern[i] === ')' && --depth === 0) {
      const inner = pattern.slice(at + 3, i);
      return { base: pattern.slice(0, at) + pattern.slice(i + 1), excluded: pattern.slice(0, at) + inner };
    }
  }
  return undefined;
}

function timed(cmd: string, args: string[]): { seconds: number; maxRssKiB: number; stdout: string; status: number | null; stderr: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCHTIME %e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const m = /BENCHTIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), maxRssKiB: Number(m[2]), stdout: r.stdout, status: r.status, stderr: r.stderr };
}

export async function benchLogScan(lines: number): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-bench-scan-'));
  try {
    const corpus = YAML.parse(readFileSync('test/fixtures/foglet-corpus.yaml', 'utf8')) as { cases: Array<{ expect: unknown; lines: string[] }> };
    const failures = corpus.cases.filter((c) => c.expect !== null).map((c) => c.lines);
    const pack = YAML.parse(readFileSync('src/logs/rules/foglet.yaml', 'utf8')) as { rules: Rule[] };

    const small = path.join(dir, 'small.log');
    const big = path.join(dir, 'foglet.log');
    process.stderr.write(`generating ${lines} lines ...\n`);
    generateLog(small, Math.floor(lines / 4), failures);
    const { failureEvents } = generateLog(big, lines, failures);
    const bytes = readFileSync(big).length;

    const cli = path.resolve('dist/src/cli.js');
    const scan = (file: string) => timed(process.execPath, [cli, 'scan', '--json', file]);
    scan(small); // warm the page cache and the code
    const oursSmall = scan(small);
    const ours = scan(big);
    const ourMatches = ours.stdout.split('\n').filter(Boolean).length;

    // The engine alone, warm, in this process: what the daemon's sources pay per line.
    const setup = pipelineSetup(validateConfig({}).logs);
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await scanFile(big, setup);
      best = Math.min(best, performance.now() - t0);
    }

    const result: Record<string, string | number> = {
      'file': `${lines} lines, ${(bytes / 2 ** 20).toFixed(1)} MiB, ${failureEvents} failure events`,
      'scan: lines/s (the command, start-up included)': Math.round(lines / ours.seconds),
      'scan: lines/s (engine, warm, best of 3)': Math.round(lines / (best / 1000)),
      'scan: seconds': ours.seconds,
      'scan: matches': ourMatches,
      [`scan: peak RSS at ${lines / 4} / ${lines} lines`]: `${(oursSmall.maxRssKiB / 1024).toFixed(0)} / ${(ours.maxRssKiB / 1024).toFixed(0)} MiB`,
    };

    if (!existsSync('/usr/bin/mtail')) {
      result['mtail'] = 'not installed (apt-get install mtail): no ratio';
      return result;
    }
    const progs = path.join(dir, 'progs');
    spawnSync('mkdir', [progs]);
    writeFileSync(path.join(progs, 'foglet.mtail'), mtailProgram(pack.rules));
    const mtail = (file: string) => timed('/usr/bin/mtail', ['--one_shot', '--one_shot_format=prometheus', '--progs', progs, '--logs', file, '--logtostderr', '--address=127.0.0.1', '--port=0']);
    mtail(small);
    const theirsSmall = mtail(small);
    const theirs = mtail(big);
    const theirMatches = [...theirs.stdout.matchAll(/^log_matches_\w+(?:\{[^}]*\})? (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    result['mtail: lines/s'] = Math.round(lines / theirs.seconds);
    result['mtail: seconds'] = theirs.seconds;
    result['mtail: matched lines'] = theirMatches;
    result[`mtail: peak RSS at ${lines / 4} / ${lines} lines`] = `${(theirsSmall.maxRssKiB / 1024).toFixed(0)} / ${(theirs.maxRssKiB / 1024).toFixed(0)} MiB`;
    result['ratio (scan command / mtail, lines/s)'] = (theirs.seconds / ours.seconds).toFixed(1);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
