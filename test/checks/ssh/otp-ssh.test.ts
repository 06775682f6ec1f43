/**
 * Against Foglet's own SSH server, a real OTP `:ssh` daemon: the monitor's own traffic
 * leaves reports in the board's log (OTP logs a disconnect report naming the peer's
 * version for every failed key exchange, and a host-key scan fails four of five on a
 * board with only ed25519), and must not page on itself; a stranger offering no common
 * algorithm is no host-key fault either. A daemon whose host key is gone resets each
 * connection before the key exchange: one reason every time.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import ssh2 from 'ssh2';
import { runProbe } from '../../../src/checks/runner.js';
import { SshProbe } from '../../../src/checks/ssh/probe.js';
import { runCli } from '../../helpers/cli.js';
import { sshCheck } from '../../helpers/config.js';
import { ESCRIPT, startOtpBoard, type OtpBoard } from '../../helpers/otp-ssh.js';
import { startStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait.js';
import { fetchStatus } from '../../helpers/status.js';

/** A client that asks only for an RSA host key, as scanners do; resolves when the server has hung up. */
function rsaOnlyClient(port: number): Promise<void> {
  return new Promise((resolve) => {
    const c = new ssh2.Client();
    c.on('error', () => {});
    c.on('close', () => resolve());
    c.connect({ host: '127.0.0.1', port, username: 'x', ident: 'OpenSSH_9.2p1', algorithms: { serverHostKey: ['rsa-sha2-512'] }, readyTimeout: 5000 });
  });
}

const newlines = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1;

describe('against a real OTP ssh daemon', { skip: ESCRIPT ? false : 'escript is not installed (apt-get install erlang-base erlang-ssh)' }, () => {
  let board: OtpBoard;
  before(async () => { board = await startOtpBoard(); });
  after(() => board?.stop());

  test('ten hostkey scans by the monitor, and strangers offering no common algorithm, page nobody', async () => {
    const stack = await startStack(({ receiver }) => ({
      logs: { sources: [{ name: 'board', kind: 'file', path: board.logFile, from: 'beginning', poll_interval: '50ms' }] },
      alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: receiver.url }] },
      releases: { grace: '0s' },
    }));
    try {
      for (let i = 0; i < 10; i++) {
        const r = await runCli(['hostkey', `127.0.0.1:${board.port}`]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /ssh-ed25519\s+SHA256:/);
      }
      for (let i = 0; i < 6; i++) await rsaOnlyClient(board.port);
      const log = readFileSync(board.logFile, 'utf8');
      assert.ok((log.match(/Key exchange failed/g) ?? []).length >= 16, 'the board logged a failed key exchange per scan and stranger');
      assert.match(log, /Peer client version: "SSH-2\.0-foglet-monitor_\d+\.\d+\.\d+"/, 'the monitor names itself');
      const lines = newlines(board.logFile);
      await waitFor(async () => {
        const s = (await fetchStatus(stack.base));
        return s.logs.sources[0]!.lines >= lines;
      }, 'the monitor to read the whole log', 10_000);
      const status = (await fetchStatus(stack.base));
      assert.deepEqual(status.alerting.alerts.map((a) => `${a.key}:${a.state}`), [], 'no alert, not even pending');
      assert.equal(stack.receiver.requests.length, 0, 'nothing sent');
    } finally {
      await stack.stop();
    }
  });

  test('a daemon whose host key is gone resets every connection: handshake_failed twenty times in twenty, the low-level error named', async () => {
    rmSync(board.hostKeyFile);
    const reasons: string[] = [];
    for (let i = 0; i < 20; i++) {
      const cfg = sshCheck({ port: board.port, expect_screen: 'Login', timeout: '3s', host_key: 'any' });
      const r = await runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
      reasons.push(r.reason ?? 'ok');
      assert.match(r.message ?? '', /before the key exchange completed/);
    }
    assert.deepEqual([...new Set(reasons)], ['handshake_failed']);
    // The board's own log, as OTP wrote it (a supervisor report and an "Accept failed" notice per
    // connection, after the first test's healthy scans): every failure is a host-key fault, nothing else is.
    const scan = await runCli(['scan', '--json', board.logFile]);
    const matches = scan.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { category: string; rule: string; text: string });
    assert.ok(matches.filter((m) => /Accept failed/.test(m.text)).length >= 20, `${matches.length} matches: ${scan.stdout.slice(0, 2000)}`);
    assert.deepEqual([...new Set(matches.map((m) => `${m.category}/${m.rule}`))], ['ssh_host_key/ssh_no_host_key']);
  });
});
