/**
 * `foglet-monitor demo`: a fake Foglet board and the monitor pointed at it, so a
 * newcomer sees probes, /status and /metrics without a real board.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../config/load.js';
import { Daemon } from '../daemon.js';
import type { LogFormat } from '../log.js';
import { FakeFoglet } from './fake-foglet.js';

/** The demo account's password: a demo secret, redacted like a real one. */
const DEMO_PASSWORD = 'demo-probe-password';

export interface DemoOptions {
  listen: string;
  boardPort: number;
  logFormat?: LogFormat;
  stateDir?: string;
}

export interface RunningDemo {
  board: FakeFoglet;
  daemon: Daemon;
  stop(): Promise<void>;
}

export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const stateDir = opts.stateDir ?? path.join(os.tmpdir(), 'foglet-monitor-demo');
  await mkdir(stateDir, { recursive: true });
  const logFile = path.join(stateDir, 'foglet.log');
  await writeFile(logFile, ''); // a new board, a new log: the demo starts healthy
  // ...and a new monitor: a last demo's state (its offset in the old log, its alerts) would
  // greet a newcomer with "log lines lost" on a log that was only started afresh.
  await rm(path.join(stateDir, 'state.json'), { force: true });
  const board = await FakeFoglet.start({ httpPort: opts.boardPort, logFile });
  board.ssh.accounts.set('probe', DEMO_PASSWORD);
  const ssh = board.ssh.address;
  const config = validateConfig({
    instance: 'demo',
    listen: opts.listen,
    state_file: path.join(stateDir, 'state.json'),
    checks: [
      {
        name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '*/5 * * * * *', timeout: '2s',
        expect: { status: [200], body: '^ok$' },
      },
      {
        // A guest: an ephemeral key, as an unregistered caller; it must reach the login screen.
        name: 'ssh-guest', kind: 'ssh', host: ssh.host, port: ssh.port, schedule: '*/10 * * * * *', timeout: '5s',
        host_key: board.ssh.hostKeyFingerprint, expect_screen: 'L Login',
      },
      {
        // The in-TUI password login, through to the home screen.
        name: 'ssh-login', kind: 'ssh', host: ssh.host, port: ssh.port, schedule: '5-59/10 * * * * *', timeout: '5s',
        host_key: board.ssh.hostKeyFingerprint, expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q',
        login: { handle: 'probe', password: DEMO_PASSWORD },
      },
      {
        // The board's own metrics: POST /_demo/fault?app=restart shows a restart.
        name: 'app-metrics', kind: 'app_metrics', url: board.metricsUrl, schedule: '*/5 * * * * *', timeout: '2s',
      },
    ],
    logs: {
      // The board's log, read from its start; restart loops are short here to show in a minute.
      sources: [{ name: 'board', kind: 'file', path: logFile, from: 'beginning' }],
      restart_loop: { starts: 3, window: '1m', min_uptime: '1m' },
    },
  }, '<demo>');
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ config, logFormat: opts.logFormat });
  } catch (e) {
    await board.stop();
    throw e;
  }
  return {
    board,
    daemon,
    async stop() {
      await daemon.stop();
      await board.stop();
    },
  };
}
