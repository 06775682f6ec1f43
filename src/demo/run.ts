/**
 * `foglet-monitor demo`: a fake Foglet board and the monitor pointed at it, so a newcomer sees
 * probes, alerts, /status and /metrics without a real board. Each run starts in a fresh state
 * folder (or `--state DIR`, kept between runs), with an API token of its own so that `silence`,
 * `release` and `verify` can be tried on it, and a throwaway key for a person to log in as a guest.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { stringify } from 'yaml';
import { generateEd25519 } from '../checks/ssh/keys.js';
import { validateConfig } from '../config/load.js';
import { Daemon } from '../daemon.js';
import { SECTIONS, StateStore } from '../state.js';
import type { LogFormat } from '../log.js';
import { FakeFoglet } from './fake-foglet.js';

/** The demo account's password: a demo secret, redacted like a real one. */
const DEMO_PASSWORD = 'demo-probe-password';
/** The demo's deploy window after a boot: short, so that a fault pages within the first minute. */
export const DEMO_GRACE = '20s';
/** A login screen slower than this is slow (FogletCheckSlow); the slow_screen fault takes 3s. */
export const DEMO_SLOW_SCREEN = '1s';

export interface DemoOptions {
  listen: string;
  boardPort: number;
  logFormat?: LogFormat;
  /** Keep the state here between runs; default: a fresh folder each run. */
  stateDir?: string;
}

export interface RunningDemo {
  board: FakeFoglet;
  daemon: Daemon;
  stateDir: string;
  /** The state folder was made for this run (no --state): it goes at a clean stop. */
  freshState: boolean;
  /** The write API's token for this run. */
  apiToken: string;
  /** The demo's config as a file, for `verify -c` and `config check -c`. */
  configFile: string;
  /** A throwaway key and a known_hosts file, for a person's `ssh` as a guest. */
  guest: { keyFile: string; knownHosts: string };
  stop(): Promise<void>;
}

export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const stateDir = opts.stateDir ?? await mkdtemp(path.join(os.tmpdir(), 'foglet-monitor-demo-'));
  try {
    return await startIn(stateDir, opts);
  } catch (e) {
    // A run's own folder holds the guest's private key, the token and the probe password: a start
    // that failed (the address taken) left them behind (a newcomer's trial).
    if (opts.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
    throw withHint(e as NodeJS.ErrnoException, opts);
  }
}

/** An address already in use: which option picks another. */
function withHint(e: NodeJS.ErrnoException, opts: DemoOptions): Error {
  if (e.code !== 'EADDRINUSE') return e;
  const which = String(e.message).includes(opts.listen) ? '--listen' : '--board-port';
  return Object.assign(new Error(`${e.message} (another monitor or demo may be running: stop it, or pick another address with ${which})`), { code: e.code });
}

async function startIn(stateDir: string, opts: DemoOptions): Promise<RunningDemo> {
  await mkdir(stateDir, { recursive: true });
  const logFile = path.join(stateDir, 'foglet.log');
  await writeFile(logFile, ''); // a new board, a new log: the demo starts healthy
  await forgetTheOldLog(path.join(stateDir, 'state.json'));
  const board = await FakeFoglet.start({ httpPort: opts.boardPort, logFile });
  try {
    return await monitorOn(board, stateDir, logFile, opts);
  } catch (e) {
    await board.stop();
    throw e;
  }
}

/** The monitor pointed at a board that runs: its config (also as a file), the guest's files, the daemon. */
async function monitorOn(board: FakeFoglet, stateDir: string, logFile: string, opts: DemoOptions): Promise<RunningDemo> {
  board.ssh.accounts.set('probe', DEMO_PASSWORD);
  const ssh = board.ssh.address;
  const apiToken = randomBytes(18).toString('base64url');
  const degraded = { screen: DEMO_SLOW_SCREEN };
  const input = {
    instance: 'demo',
    listen: opts.listen,
    state_file: path.join(stateDir, 'state.json'),
    api: { token: apiToken },
    checks: [
      {
        name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '*/5 * * * * *', timeout: '2s',
        expect: { status: [200], body: '^ok$' },
      },
      {
        // A guest: an ephemeral key, as an unregistered caller; it must reach the login screen.
        name: 'ssh-guest', kind: 'ssh', host: ssh.host, port: ssh.port, schedule: '*/10 * * * * *', timeout: '5s',
        host_key: board.ssh.hostKeyFingerprint, expect_screen: 'L Login', degraded_after: degraded,
      },
      {
        // The in-TUI password login, through to the home screen.
        name: 'ssh-login', kind: 'ssh', host: ssh.host, port: ssh.port, schedule: '5-59/10 * * * * *', timeout: '5s',
        host_key: board.ssh.hostKeyFingerprint, expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q',
        login: { handle: 'probe', password: DEMO_PASSWORD }, degraded_after: degraded,
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
    releases: { grace: DEMO_GRACE },
  };
  const config = validateConfig(input, '<demo>');
  const configFile = path.join(stateDir, 'demo.yaml');
  // For `verify -c` beside the running demo: its own state file, so the two never write one file.
  const forVerify = { ...input, state_file: path.join(stateDir, 'verify-state.json') };
  await writeFile(configFile, `# The demo's config for verify and config check, written by foglet-monitor demo (its ports and\n# token change every run; verify keeps its own state file beside the demo's).\n${stringify(forVerify)}`);
  const guest = await guestFiles(stateDir, board);
  const daemon = await Daemon.start({ config, logFormat: opts.logFormat });
  return {
    board,
    daemon,
    stateDir,
    freshState: opts.stateDir === undefined,
    apiToken,
    configFile,
    guest,
    async stop() {
      await daemon.stop();
      await board.stop();
      // A run's own folder holds nothing another run can use (its ports, token and key are its own).
      if (opts.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A throwaway key (ssh refuses a key file others can read) and the board's host key as known_hosts. */
async function guestFiles(dir: string, board: FakeFoglet): Promise<{ keyFile: string; knownHosts: string }> {
  const keyFile = path.join(dir, 'guest_ed25519');
  await writeFile(keyFile, generateEd25519().private, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  const host = ssh2.utils.parseKey(board.ssh.privateHostKey);
  if (host instanceof Error || Array.isArray(host)) throw new Error('the demo board has no usable host key');
  const { host: h, port } = board.ssh.address;
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, `[${h}]:${port} ${host.type} ${host.getPublicSSH().toString('base64')}\n`);
  return { keyFile, knownHosts };
}

/**
 * With --state, the last run's alerts, silences and pins stay; but the board's log is new each
 * run, and the last run's place in it (and what its rules had seen) would make the new log look
 * cut short ("log lines lost"). Those are forgotten.
 */
async function forgetTheOldLog(stateFile: string): Promise<void> {
  const state = new StateStore(stateFile);
  await state.load();
  state.set(SECTIONS.logOffsets, {});
  state.set(SECTIONS.logRules, {});
  await state.flush();
  state.close();
}
