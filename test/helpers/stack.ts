/**
 * A fake Foglet board (with a log file), a receiver for alerts, and a monitor
 * daemon pointed at them, in a throw-away directory: what the end-to-end tests
 * share. `config` gets the board, the receiver and the directory and returns the
 * monitor's config; `stop` stops all of it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { Receiver } from './receiver.js';
import { LogSink } from './sink.js';
import { fetchStatus } from './status.js';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from './daemon.js';

export interface Stack {
  board: FakeFoglet;
  receiver: Receiver;
  dir: string;
  logFile: string;
  daemon: Daemon;
  /** http://host:port of the monitor. */
  base: string;
  logs: LogSink;
  /** POSTs to the monitor's API with its token. */
  api(pathname: string, body: unknown, token: string): Promise<Response>;
  stop(): Promise<void>;
}

/** How many times each check has run, in config order, from the monitor's /status. */
export async function checkRuns(base: string): Promise<number[]> {
  const status = (await fetchStatus(base));
  return status.checks.map((c) => c.runs);
}

export async function startStack(config: (s: { board: FakeFoglet; receiver: Receiver; dir: string; logFile: string }) => Record<string, unknown>): Promise<Stack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-stack-'));
  const logFile = path.join(dir, 'foglet.log');
  writeFileSync(logFile, '');
  const board = await FakeFoglet.start({ logFile });
  const receiver = await Receiver.start();
  const logs = new LogSink();
  const daemon = await startDaemon({
    config: validateConfig({ state_file: path.join(dir, 'state.json'), ...config({ board, receiver, dir, logFile }) }),
    logs,
  });
  const base = `http://${daemon.address}`;
  return {
    board, receiver, dir, logFile, daemon, base, logs,
    api: (pathname, body, token) => fetch(`${base}${pathname}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    }),
    async stop() {
      await daemon.stop();
      await board.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
