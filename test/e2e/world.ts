/**
 * The world of an end-to-end test: a fake board with a log file, a webhook receiver,
 * and the monitor as a child process with a config written for them; all stopped
 * and removed by the test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { Receiver } from '../helpers/receiver.js';
import { checkRuns } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { startMonitor, writeConfig, type MonitorProcess } from '../helpers/monitor.js';
import { fetchStatus } from '../helpers/status.js';

export interface Payload {
  change: string;
  status: string;
  alerts: Array<{ labels: Record<string, string>; fingerprint: string }>;
  commonAnnotations: Record<string, string>;
}

export interface World {
  board: FakeFoglet;
  receiver: Receiver;
  /** The running monitor; `restart` replaces it. */
  monitor: MonitorProcess;
  dir: string;
  configFile: string;
  stateFile: string;
  /** Stops the monitor with the signal (SIGKILL: a crash), runs `between`, starts it again on the same config and state. */
  restart(signal?: NodeJS.Signals, between?: () => void | Promise<void>): Promise<void>;
}

/** Log rules clear after quiet_for; short here so that a scenario's resolve comes in seconds. */
const QUIET = '2s';

export interface WorldOptions {
  /** Runs before the monitor's first start: a state file to find, say. */
  beforeStart?(w: Pick<World, 'board' | 'receiver' | 'dir' | 'stateFile'>): void | Promise<void>;
  /** Runs once the monitor has stopped, before the directory goes (to unmount what beforeStart mounted). */
  afterStop?(): void;
  /** The monitor's open-files limit (`ulimit -n`). */
  fdLimit?: number;
}

export async function withWorld(
  config: (w: Pick<World, 'board' | 'receiver' | 'dir'>) => Record<string, unknown>,
  body: (w: World) => Promise<void>,
  opts: WorldOptions = {},
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-e2e-'));
  const logFile = path.join(dir, 'foglet.log');
  writeFileSync(logFile, '');
  const board = await FakeFoglet.start({ logFile });
  const receiver = await Receiver.start();
  const configFile = path.join(dir, 'monitor.yaml');
  const stateFile = path.join(dir, 'state', 'state.json');
  let world: World | undefined;
  try {
    writeConfig(configFile, { state_file: stateFile, ...config({ board, receiver, dir }) });
    await opts.beforeStart?.({ board, receiver, dir, stateFile });
    const w: World = {
      board, receiver, dir, configFile, stateFile,
      monitor: await startMonitor(configFile, {}, { fdLimit: opts.fdLimit }),
      async restart(signal = 'SIGTERM', between) {
        await w.monitor.stop(signal);
        await between?.();
        w.monitor = await startMonitor(configFile, {}, { fdLimit: opts.fdLimit });
      },
    };
    world = w;
    await body(w);
  } finally {
    await world?.monitor.stop();
    opts.afterStop?.();
    await board.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The config every scenario runs: /up and the SSH guest path every second, the board's log, a webhook. */
export function scenarioConfig({ board, receiver }: Pick<World, 'board' | 'receiver'>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ssh = board.ssh.address;
  return {
    instance: 'e2e',
    checks: [
      { name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '* * * * * *', timeout: '2s', expect: { status: [200], body: '^ok$' } },
      {
        name: 'ssh-guest', kind: 'ssh', host: ssh.host, port: ssh.port, schedule: '* * * * * *', timeout: '3s',
        host_key: board.ssh.hostKeyFingerprint, expect_screen: 'L Login',
      },
    ],
    logs: {
      sources: [{ name: 'board', kind: 'file', path: board.log!.file, poll_interval: '100ms' }],
      rule_overrides: Object.fromEntries(['schema_migrations_table', 'postgrex_connect_failed', 'missing_secret_key_base',
        'ssh_daemon_refusing', 'sysop_test_email_failed'].map((id) => [id, { quiet_for: QUIET }])),
      restart_loop: { starts: 3, window: '10s', min_uptime: '10s' },
    },
    alerts: {
      failure_threshold: 2,
      sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` }],
      delivery: { initial_backoff: '100ms', max_backoff: '1s' },
    },
    releases: { grace: '0s', watch_for: '0s' },
    ...extra,
  };
}

export const payloads = (r: Receiver) => r.accepted.map((x) => x.json as Payload);
export const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

export async function healthy(w: World): Promise<void> {
  await waitFor(async () => (await checkRuns(w.monitor.base)).every((n) => n >= 2), 'every check to run twice', 10_000);
  const status = (await fetchStatus(w.monitor.base));
  assert.deepEqual(status.checks.filter((c) => c.state !== 'ok').map((c) => c.name), [], 'the board starts healthy');
  assert.deepEqual(payloads(w.receiver), [], 'nothing sent while healthy');
}

