import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The built CLI, run as users run it: a real child process. */
export const CLI = path.resolve('dist/src/cli.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`foglet-monitor ${args.join(' ')} did not exit`)); }, opts.timeoutMs ?? 20_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/**
 * Starts a long-running command; the caller stops it. Output is collected as it comes.
 * `fdLimit` runs it under `ulimit -n` (soft and hard, so node cannot raise it).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, opts: { fdLimit?: number } = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [command, argv] = opts.fdLimit === undefined
    ? [process.execPath, [CLI, ...args]]
    : ['bash', ['-c', `ulimit -n ${opts.fdLimit} && exec "$0" "$@"`, process.execPath, CLI, ...args]];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; });
  child.stderr!.on('data', (d: Buffer) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}
