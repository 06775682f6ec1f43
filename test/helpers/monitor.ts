/**
 * The monitor as its users run it: `foglet-monitor run` as a child process with a
 * config file, on a port of its own choosing; stopped by the test (SIGTERM, or
 * SIGKILL for the fault scenarios).
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { startCli } from './cli.js';
import { waitFor } from './wait.js';

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
  // Port 0, and the port read from the monitor's own "Server listening at" line: a port picked
  // free and handed over could be taken in between by a test running beside this one, and the
  // test then talked to that test's monitor (a 403 from one without an API token).
  const cli = startCli(['run', '--config', configFile, '--listen', '127.0.0.1:0', '--log-format', 'json'], env, opts);
  let exited = false;
  void cli.exited.then(() => { exited = true; });
  let base = '';
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
      const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.output())?.[1];
      if (!port) return false;
      base = `http://127.0.0.1:${port}`;
      return fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    }, 'the monitor to be ready', 15_000, 50);
  } catch (e) {
    await stop('SIGKILL');
    throw e;
  }
  return { base, pid: cli.child.pid!, output: cli.output, stop, signal: (s) => cli.child.kill(s) };
}
