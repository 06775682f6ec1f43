/**
 * `npm run bench`: every benchmark, each against a peer measured in the same run,
 * printed as one table of numbers and ratios. Not a test: nothing here passes or fails.
 */
import os from 'node:os';
import { benchSshProbe } from './ssh-probe.js';

const results: Array<[string, Record<string, string | number>]> = [];
process.stdout.write(`machine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
results.push(['ssh probe vs OpenSSH client', await benchSshProbe(Number(process.env.BENCH_RUNS ?? 30))]);

for (const [name, r] of results) {
  process.stdout.write(`\n${name}\n`);
  const width = Math.max(...Object.keys(r).map((k) => k.length));
  for (const [k, v] of Object.entries(r)) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}
