/**
 * `npm run bench`: every benchmark, each against a peer measured in the same run,
 * printed as one table of numbers and ratios. Not a test: nothing here passes or fails.
 * `npm run bench -- ssh|scan|tail` runs one.
 */
import os from 'node:os';
import { benchLogLatency } from './log-latency.js';
import { benchLogScan } from './log-scan.js';
import { benchSshProbe } from './ssh-probe.js';

const which = new Set(process.argv.slice(2));
const want = (name: string) => which.size === 0 || which.has(name);
const results: Array<[string, Record<string, string | number>]> = [];
process.stdout.write(`machine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
if (want('ssh')) results.push(['ssh probe vs OpenSSH client', await benchSshProbe(Number(process.env.BENCH_RUNS ?? 30))]);
if (want('scan')) results.push(['scan vs mtail --one_shot', await benchLogScan(Number(process.env.BENCH_LINES ?? 1_000_000))]);
if (want('tail')) results.push(['tailed line to signal', await benchLogLatency(Number(process.env.BENCH_TAIL_LINES ?? 1000))]);

for (const [name, r] of results) {
  process.stdout.write(`\n${name}\n`);
  const width = Math.max(...Object.keys(r).map((k) => k.length));
  for (const [k, v] of Object.entries(r)) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}
