import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { startDemo } from '../../src/demo/run.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';
import { startDaemon } from '../helpers/daemon.js';

interface Status { checks: Array<{ name: string; runs: number; state: string; last_result: { reason?: string; message?: string } | null }> }

let board: FakeFoglet;
let dir: string;
before(async () => {
  board = await FakeFoglet.start();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-ssh-'));
});
after(async () => {
  await board.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function runOnce(stateFile: string): Promise<{ status: Status; metrics: string }> {
  const config = validateConfig({
    state_file: stateFile,
    checks: [{ name: 'ssh', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '0 0 1 1 *', timeout: '5s', expect_screen: 'L Login' }],
  });
  const daemon = await startDaemon({ config });
  try {
    const base = `http://${daemon.address}`;
    const status = await waitFor(async () => {
      const s = (await fetchStatus(base));
      return s.checks[0]!.runs > 0 && s;
    }, 'the ssh check to run');
    return { status, metrics: await (await fetch(`${base}/metrics`)).text() };
  } finally {
    await daemon.stop();
  }
}

test('tofu: the first key is pinned in the state file; after a restart a changed key is hostkey_mismatch', async () => {
  const stateFile = path.join(dir, 'state.json');
  const first = await runOnce(stateFile);
  assert.equal(first.status.checks[0]!.state, 'ok', first.status.checks[0]!.last_result?.message);
  const fp = board.ssh.hostKeyFingerprint;
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { sections: { host_key_pins: Record<string, { fingerprint: string }> } };
  assert.equal(saved.sections.host_key_pins[`127.0.0.1:${board.ssh.address.port}`]!.fingerprint, fp);
  assert.match(first.metrics, new RegExp(`foglet_monitor_ssh_host_key_info\\{check="ssh",algorithm="ssh-ed25519",fingerprint="${fp.replace(/[+/]/g, '\\$&')}"\\} 1`));
  assert.match(first.metrics, /foglet_monitor_ssh_host_key_last_match_timestamp_seconds\{check="ssh"\} \d+/);
  assert.match(first.metrics, /foglet_monitor_probe_failure_reason\{check="ssh",kind="ssh",reason="hostkey_mismatch"\} 0/);

  await board.ssh.rotateHostKey();
  const second = await runOnce(stateFile);
  const r = second.status.checks[0]!.last_result!;
  assert.equal(r.reason, 'hostkey_mismatch', r.message);
  assert.ok(r.message?.includes(fp), 'names the pinned key');
  assert.match(second.metrics, /foglet_monitor_probe_failure_reason\{check="ssh",kind="ssh",reason="hostkey_mismatch"\} 1/);
  assert.equal((second.metrics.match(/foglet_monitor_ssh_host_key_info\{/g) ?? []).length, 1, 'one host key series per check');
});

test('the demo: every check passes against the fake board, and the demo password never shows', async () => {
  const demo = await startDemo({ listen: '127.0.0.1:0', boardPort: 0, stateDir: path.join(dir, 'demo'), logFormat: 'json' });
  try {
    const base = `http://${demo.daemon.address}`;
    const status = await waitFor(async () => {
      const s = (await fetchStatus(base));
      return s.checks.every((c) => c.runs > 0) && s;
    }, 'every demo check to run', 8000);
    for (const c of status.checks) assert.equal(c.state, 'ok', `${c.name}: ${c.last_result?.message}`);
    assert.deepEqual(status.checks.map((c) => c.name), ['up', 'ssh-guest', 'ssh-login', 'app-metrics']);
    assert.ok(!JSON.stringify(status).includes('demo-probe-password'));

    const res = await fetch(`${demo.board.httpUrl}/_demo/fault?ssh=rate_limited`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(demo.board.ssh.fault, 'rate_limited');
    assert.equal((await fetch(`${demo.board.httpUrl}/_demo/fault?ssh=meltdown`, { method: 'POST' })).status, 400);

    // The board's log is watched: its boot is seen, and a failure written on request becomes a signal.
    const logStatus = async () => (await fetchStatus(base));
    assert.ok((await logStatus()).logs.sources.find((x) => x.name === 'board')!.boots >= 1);
    assert.deepEqual((await logStatus()).logs.recent_signals, [], 'the demo starts healthy');
    for (const fault of ['host_key', 'restart_loop']) {
      assert.equal((await fetch(`${demo.board.httpUrl}/_demo/fault?log=${fault}`, { method: 'POST' })).status, 200);
    }
    const signals = await waitFor(async () => {
      const s = (await logStatus()).logs.recent_signals;
      return s.some((x) => x.category === 'ssh_host_key') && s.some((x) => x.category === 'restart_loop') && s;
    }, 'the host key and restart loop signals');
    assert.ok(signals.every((x) => !x.ok));
  } finally {
    await demo.stop();
  }
});

test('the demo run a second time starts clean: no "log lines lost" for the log it starts afresh', async () => {
  const stateDir = path.join(dir, 'demo-twice');
  const linesRead = async (base: string) => {
    const s = (await fetchStatus(base));
    return s.logs.sources.find((x) => x.name === 'board')?.lines ?? 0;
  };
  for (let run = 1; run <= 2; run++) {
    const demo = await startDemo({ listen: '127.0.0.1:0', boardPort: 0, stateDir, logFormat: 'json' });
    try {
      const base = `http://${demo.daemon.address}`;
      await waitFor(async () => (await linesRead(base)) > 0, `run ${run}: the board's log read`, 8000);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.doesNotMatch(metrics, /foglet_monitor_log_gaps_total\{[^}]*\} [1-9]/, `run ${run}`);
    } finally {
      await demo.stop();
    }
  }
});
