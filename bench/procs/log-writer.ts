/**
 * Appends Foglet-format lines to each file given, at `rate` lines per second per file
 * (in batches every 10 ms, as a busy logger flushes), with one failure line in every
 * 10,000; runs until killed. Used by the footprint bench, in a process of its own.
 */
import { appendFileSync } from 'node:fs';

const [rateArg, ...files] = process.argv.slice(2);
const rate = Number(rateArg);
const perTick = Math.max(1, Math.round(rate / 100));
let n = 0;
const stamp = () => new Date().toISOString().slice(11, 23);
const line = (i: number) => (i % 10_000 === 9_999
  ? `${stamp()} [error] Postgrex.Protocol (#PID<0.${i % 1000}.0>) failed to connect: ** (DBConnection.ConnectionError) tcp connect (db:5432): connection refused - :econnrefused\n`
  : `${stamp()} request_id=F${i.toString(36)} [info] GET /boards/${i % 97}/threads\n`);
const started = Date.now();
setInterval(() => {
  // Catch up to the rate by the clock, so a slow tick does not lower it.
  const due = Math.floor(((Date.now() - started) / 1000) * rate);
  const count = Math.min(due - n, perTick * 20);
  if (count <= 0) return;
  let chunk = '';
  for (let i = 0; i < count; i++) chunk += line(n + i);
  n += count;
  for (const f of files) appendFileSync(f, chunk);
}, 10);
process.on('SIGTERM', () => { process.stdout.write(`${n}\n`); process.exit(0); });
