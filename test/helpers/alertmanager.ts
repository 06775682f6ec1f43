/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, with a
 * throw-away config and storage, clustering off. Stopped by the test that started it.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from './servers.js';
import { spawnServer } from './process.js';

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
  const url = `http://127.0.0.1:${port}`;
  const server = await spawnServer({
    name: 'alertmanager',
    command: ALERTMANAGER,
    args: [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    dir,
    ready: () => fetch(`${url}/-/ready`).then((r) => r.ok, () => false),
  });
  return { url, stop: server.stop };
}
