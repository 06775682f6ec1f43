/**
 * The monitor as its users run it: `foglet-monitor run` as a child process with a
 * config file, on a port picked for the test; stopped by the test (SIGTERM, or
 * SIGKILL for the fault scenarios).
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

export interface MonitorProcess {
  base: string;
  pid: number;
  output(): string;
  /** SIGTERM (or the given signal) and the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
}

export function writeConfig(file: string, config: Record<string, unknown>): void {
  writeFileSync(file, stringify(config));
}

export async function startMonitor(configFile: string, env: NodeJS.ProcessEnv = {}, opts: { fdLimit?: number } = {}): Promise<MonitorProcess> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const cli = startCli(['run', '--config', configFile, '--listen', `127.0.0.1:${port}`, '--log-format', 'json'], env, opts);
  let exited = false;
  void cli.exited.then(() => { exited = true; });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!exited) cli.child.kill(signal);
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
    const code = await cli.exited;
    clearTimeout(timer);
    return code;
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`the monitor exited: ${cli.output()}`);
      return fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    }, 'the monitor to be ready', 15_000, 50);
  } catch (e) {
    await stop('SIGKILL');
    throw e;
  }
  return { base, pid: cli.child.pid!, output: cli.output, stop, signal: (s) => cli.child.kill(s) };
}
