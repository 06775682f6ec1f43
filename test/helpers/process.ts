/**
 * A real server program started for a test (sshd, Alertmanager, Prometheus): spawned,
 * waited for until it answers, and stopped by the test: SIGTERM, SIGKILL after 3 s,
 * and its throw-away directory removed. If it does not come up, its stderr says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { waitFor } from './wait.js';

export interface RunningServer {
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnServer(opts: {
  name: string;
  command: string;
  args: string[];
  /** Removed when the server stops (or fails to start). */
  dir: string;
  ready(): Promise<boolean>;
  timeoutMs?: number;
}): Promise<RunningServer> {
  const child = spawn(opts.command, opts.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(opts.dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => child.exitCode === null && (await opts.ready()), `${opts.name} to answer`, opts.timeoutMs ?? 10_000, 50);
  } catch (e) {
    await stop();
    throw new Error(`${opts.name} did not start: ${stderr || (e as Error).message}`);
  }
  return { child, stop };
}
