/**
 * `npm run bench`: every benchmark, each against a peer measured in the same run,
 * printed as one table of numbers and ratios. Not a test: nothing here passes or fails.
 * `npm run bench -- ssh|scan|http|footprint|detect|idle|tail|history` runs those named.
 */
import os from 'node:os';
import { benchDetection } from './detection.js';
import { benchFootprint } from './footprint.js';
import { benchHistory } from './history.js';
import { benchHttpProbe } from './http-probe.js';
import { benchIdleFiles } from './idle-files.js';
import { benchLogLatency } from './log-latency.js';
import { benchLogScan } from './log-scan.js';
import { benchSshProbe } from './ssh-probe.js';

const which = new Set(process.argv.slice(2));
const want = (name: string) => which.size === 0 || which.has(name);
const results: Array<[string, Record<string, string | number>]> = [];
process.stdout.write(`machine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
if (want('ssh')) results.push(['ssh probe vs OpenSSH client', await benchSshProbe(Number(process.env.BENCH_RUNS ?? 30))]);
if (want('scan')) results.push(['scan vs mtail --one_shot', await benchLogScan(Number(process.env.BENCH_LINES ?? 1_000_000))]);
if (want('http')) results.push(['http probe vs blackbox_exporter', await benchHttpProbe(Number(process.env.BENCH_HTTP_RUNS ?? 2000))]);
if (want('footprint')) results.push(['footprint: 100 SSH checks / 30 s + 3 logs at 10k lines/s, one core', await benchFootprint(Number(process.env.BENCH_ROUNDS ?? 3))]);
if (want('detect')) results.push(['detection latency, end to end', await benchDetection(Number(process.env.BENCH_DETECT_LINES ?? 200), Number(process.env.BENCH_DETECT_OUTAGES ?? 10))]);
if (want('idle')) results.push(['idle file sources vs tail -F', await benchIdleFiles(Number(process.env.BENCH_IDLE_MS ?? 30_000))]);
if (want('history')) results.push(['check history: 100 checks x 7 days', await benchHistory(Number(process.env.BENCH_HISTORY_CHECKS ?? 100))]);
if (want('tail')) results.push(['tailed line to signal', await benchLogLatency(Number(process.env.BENCH_TAIL_LINES ?? 1000))]);

for (const [name, r] of results) {
  process.stdout.write(`\n${name}\n`);
  const width = Math.max(...Object.keys(r).map((k) => k.length));
  for (const [k, v] of Object.entries(r)) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

// The one table to compare between machines: every ratio, against its peer or goal.
const ratios = results.flatMap(([name, r]) => Object.entries(r).filter(([k]) => /ratio/.test(k)).map(([k, v]) => [name, k, String(v)] as const));
if (ratios.length > 0) {
  const w0 = Math.max(...ratios.map((x) => x[0].length));
  const w1 = Math.max(...ratios.map((x) => x[1].length));
  process.stdout.write(`\nratios\n  ${'bench'.padEnd(w0)}  ${'ratio'.padEnd(w1)}  value\n`);
  for (const [b, k, v] of ratios) process.stdout.write(`  ${b.padEnd(w0)}  ${k.padEnd(w1)}  ${v}\n`);
}
