/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, with a
 * throw-away config and storage: alone (clustering off), or a cluster of them gossiping on
 * loopback, optionally routing every alert to a webhook. Stopped by the test that started it.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from './servers.js';
import { spawnServer } from './process.js';

export const ALERTMANAGER = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'].find((p) => existsSync(p));

export interface RealAlertmanager {
  url: string;
  /** The gossip address, when clustered. */
  peer?: string;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** Every alert goes to this webhook (once per group; resolved too), else nowhere. */
  webhook?: string;
  /** Gossip on a loopback port of its own, joining these members. */
  cluster?: { peers: string[] };
}

export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<RealAlertmanager> {
  if (!ALERTMANAGER) throw new Error('Alertmanager is not installed (apt-get install prometheus-alertmanager)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-am-'));
  const port = await closedPort();
  const peer = opts.cluster ? `127.0.0.1:${await closedPort()}` : undefined;
  writeFileSync(path.join(dir, 'alertmanager.yml'), [
    'route:',
    '  receiver: out',
    '  group_by: [alertname]',
    '  group_wait: 1s',
    '  group_interval: 2s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: out',
    ...(opts.webhook ? ['    webhook_configs:', `      - url: ${JSON.stringify(opts.webhook)}`, '        send_resolved: true'] : []),
  ].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  const server = await spawnServer({
    name: 'alertmanager',
    command: ALERTMANAGER,
    args: [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(peer
        ? [`--cluster.listen-address=${peer}`, `--cluster.advertise-address=${peer}`, ...opts.cluster!.peers.map((p) => `--cluster.peer=${p}`),
          // Members wait peer-timeout times their position before they notify, to see in the
          // gossiped notification log whether the first already did: 15s by default.
          '--cluster.peer-timeout=2s', '--cluster.gossip-interval=100ms', '--cluster.pushpull-interval=2s']
        : ['--cluster.listen-address=']),
      '--log.level=warn',
    ],
    dir,
    ready: () => fetch(`${url}/-/ready`).then((r) => r.ok, () => false),
  });
  return { url, ...(peer ? { peer } : {}), stop: server.stop };
}
