/** What the benchmarks read off processes and samples, in one place. */
import { readFileSync } from 'node:fs';

const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat

/** CPU a process has used so far (utime + stime), in ms, from /proc. */
export function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** A process's resident set now (VmRSS) or at its peak (VmHWM), in MiB, from /proc. */
export function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The p-th percentile of samples sorted ascending (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}
