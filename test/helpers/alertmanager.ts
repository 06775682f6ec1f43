/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, with a
 * throw-away config and storage, clustering off. Stopped by the test that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from './servers.js';
import { waitFor } from './wait.js';

export const ALERTMANAGER = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'].find((p) => existsSync(p));

export interface RealAlertmanager {
  url: string;
  stop(): Promise<void>;
}

export async function startAlertmanager(): Promise<RealAlertmanager> {
  if (!ALERTMANAGER) throw new Error('Alertmanager is not installed (apt-get install prometheus-alertmanager)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-am-'));
  const port = await closedPort();
  writeFileSync(path.join(dir, 'alertmanager.yml'), [
    'route:',
    '  receiver: blackhole',
    '  group_wait: 1s',
    'receivers:',
    '  - name: blackhole',
  ].join('\n'));
  const child: ChildProcess = spawn(ALERTMANAGER, [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => child.exitCode === null && (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)),
      `alertmanager on ${port}`, 10_000, 100);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`alertmanager did not start: ${stderr || (e as Error).message}`);
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
