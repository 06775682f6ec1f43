/**
 * The demo explains itself: a fresh state each run, a token that works with the write API, a
 * guest login a person can paste, `?reset` mending every fault, and slow_screen tripping the
 * latency condition it names. The banner says all of it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { demoBanner } from '../../src/cli/demo.js';
import { DEMO_GRACE, DEMO_SLOW_SCREEN, startDemo, type RunningDemo } from '../../src/demo/run.js';
import { runCli } from '../helpers/cli.js';
import { fetchStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait.js';

let demo: RunningDemo;
let base: string;
before(async () => {
  demo = await startDemo({ listen: '127.0.0.1:0', boardPort: 0, logFormat: 'json' });
  base = `http://${demo.daemon.address}`;
});
after(async () => {
  await demo.stop();
  rmSync(demo.stateDir, { recursive: true, force: true });
});

test('each run starts in a fresh state folder; the banner names it, the token, the guest login and every fault with what it does', async () => {
  const second = await startDemo({ listen: '127.0.0.1:0', boardPort: 0, logFormat: 'json' });
  try {
    assert.notEqual(second.stateDir, demo.stateDir);
    assert.notEqual(second.apiToken, demo.apiToken);
  } finally {
    await second.stop();
  }
  assert.equal(existsSync(second.stateDir), false, 'a run\'s own folder goes when it stops');
  const banner = demoBanner(demo, { grace: DEMO_GRACE, slowScreen: DEMO_SLOW_SCREEN });
  assert.ok(banner.includes(`${demo.stateDir}  (this run's own, removed when it stops`));
  assert.ok(banner.includes(`FOGLET_MONITOR_API_TOKEN=${demo.apiToken}`));
  assert.ok(banner.includes(`verify -c ${demo.configFile}`));
  assert.match(banner, /deploy window: for 20s after it/);
  for (const q of ['ssh=rate_limited', 'ssh=session_rejected', 'ssh=slow_screen', 'http=status_500', 'app=restart', 'log=migration', 'reset']) {
    assert.ok(banner.includes(`/_demo/fault?${q}'`), q);
  }
  assert.doesNotMatch(banner, /none mends it/);
  assert.ok(existsSync(demo.configFile));
  assert.doesNotMatch(readFileSync(demo.configFile, 'utf8'), new RegExp(`state_file: ${demo.stateDir}/state\\.json`), 'verify keeps its own state file');
});

test('from a newcomer\'s trial: a second demo on the address the first holds fails, naming --listen, and leaves no folder behind (it held the guest\'s private key, the token and the probe password)', async () => {
  const folders = () => new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('foglet-monitor-demo-')));
  const before = folders();
  await assert.rejects(startDemo({ listen: demo.daemon.address, boardPort: 0, logFormat: 'json' }), (e: Error) => {
    assert.match(e.message, /EADDRINUSE/);
    assert.match(e.message, /--listen/);
    return true;
  });
  const left = [...folders()].filter((n) => !before.has(n));
  assert.deepEqual(left, [], 'the failed run\'s folder is removed');
});

test('the printed token works: a silence is added and listed through the CLI', async () => {
  const env = { FOGLET_MONITOR_API_TOKEN: demo.apiToken };
  const add = await runCli(['silence', 'add', 'check=ssh-login', '-d', '10m', '--comment', 'trying the demo', '--url', base], { env });
  assert.equal(add.code, 0, add.stderr);
  const list = await runCli(['silence', 'list', '--url', base], { env });
  assert.match(list.stdout, /check="ssh-login"/);
  const wrong = await runCli(['silence', 'list', '--url', base], { env: { FOGLET_MONITOR_API_TOKEN: 'not-the-demo-token-000' } });
  assert.notEqual(wrong.code, 0);
});

test('the guest ssh line works as printed: OpenSSH verifies the board against the known_hosts file, logs in with the key and gets a screen', async () => {
  const { host, port } = demo.board.ssh.address;
  const child = spawn('ssh', ['-tt', '-i', demo.guest.keyFile, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${demo.guest.knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-p', String(port), `guest@${host}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    // Without a terminal of its own, ssh asks for a small one: the board then draws its "too small"
    // screen, which is as much the board as its login screen (a person's terminal gets the latter).
    await waitFor(() => /Login|Terminal too small/.test(out) || child.exitCode !== null, 'a screen of the board over OpenSSH', 10_000);
    assert.match(out, /Login|Terminal too small/, out);
    assert.doesNotMatch(out, /Host key verification failed|Permission denied/);
  } finally {
    child.kill();
    await exited;
  }
});

test('?reset mends every lasting fault; slow_screen trips the latency condition it names', async () => {
  const post = (q: string) => fetch(`${demo.board.httpUrl}/_demo/fault?${q}`, { method: 'POST' });
  assert.equal((await post('ssh=slow_screen&http=status_500')).status, 200);
  const slow = await waitFor(async () => {
    const c = (await fetchStatus(base)).checks.find((x) => x.name === 'ssh-guest')!;
    return c.last_result?.degraded && c;
  }, 'a slow ssh-guest run', 20_000);
  assert.equal(slow.last_result!.ok, true, 'slow, not failed');
  assert.match(slow.last_result!.degraded!.message, /screen/);
  const reset = await post('reset');
  assert.deepEqual(await reset.json(), { http: 'none', ssh: 'none', app: 'none' });
  assert.equal(demo.board.ssh.fault, 'none');
});
