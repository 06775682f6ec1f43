import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runProbe } from '../../../src/checks/runner.js';
import { SshProbe } from '../../../src/checks/ssh/probe.js';
import { generateEd25519 } from '../../../src/checks/ssh/keys.js';
import { MemoryPins, type HostKeyPins } from '../../../src/checks/ssh/hostkey.js';
import type { ProbeResult } from '../../../src/checks/types.js';
import { FakeFoglet } from '../../../src/demo/fake-foglet.js';
import { sshCheck } from '../../helpers/config.js';

describe('ssh probe against the fake Foglet', () => {
  let board: FakeFoglet;
  const registered = generateEd25519();

  async function probe(fields: Record<string, unknown>, pins: HostKeyPins = new MemoryPins()): Promise<ProbeResult> {
    const cfg = sshCheck({ port: board.ssh.address.port, expect_screen: 'Foglet BBS ▸ Home', ...fields });
    return runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd(), hostKeyPins: pins }));
  }

  before(async () => {
    board = await FakeFoglet.start();
    board.ssh.registerKey(registered.public, 'probe');
    board.ssh.accounts.set('probe', 'correct horse battery');
  });
  after(() => board.stop());
  beforeEach(() => { board.ssh.fault = 'none'; });

  test('a guest (ephemeral key) reaches the login screen', async () => {
    const r = await probe({ expect_screen: 'L Login' });
    assert.equal(r.ok, true, `${r.reason}: ${r.message}`);
    for (const phase of ['connect', 'handshake', 'auth', 'session', 'screen'] as const) {
      assert.ok((r.phases[phase] ?? -1) >= 0, `phase ${phase} timed`);
    }
    assert.equal(r.details?.server_version, 'SSH-2.0-Erlang/5.2');
    assert.deepEqual(r.details?.client_key?.ephemeral, true);
    assert.match(r.details?.screen ?? '', /L Login/);
  });

  test('a registered key reaches the home screen, and leaves cleanly (no replaced session)', async () => {
    const before = board.ssh.stats.replacedSessions;
    for (let i = 0; i < 3; i++) {
      const r = await probe({ private_key: registered.private, expect_screen: '/Foglet BBS ▸ Home.*@probe/', quit_keys: 'q' });
      assert.equal(r.ok, true, `${r.reason}: ${r.message}`);
    }
    assert.equal(board.ssh.stats.replacedSessions, before);
  });

  test('the text is matched on the rendered screen, not the byte stream', async () => {
    // The board paints right-to-left and bottom-up: the raw bytes never hold "Foglet BBS ▸ Home" in order
    // next to "@probe"; only a terminal emulator sees the line whole.
    const r = await probe({ private_key: registered.private, expect_screen: '/^┌─ Foglet BBS ▸ Home ─+ @probe \\| \\d\\d:\\d\\d ─*┐$/m' });
    assert.equal(r.ok, true, `${r.reason}: ${r.message}`);
  });

  test('the in-TUI password login reaches the home screen', async () => {
    const r = await probe({ login: { handle: 'probe', password: 'correct horse battery' }, expect_screen: '@probe' });
    assert.equal(r.ok, true, `${r.reason}: ${r.message}`);
  });

  test('a wrong password fails with auth_failed, and the evidence holds no password', async () => {
    const r = await probe({ login: { handle: 'probe', password: 'wrong-password-123' }, expect_screen: '@probe' });
    assert.equal(r.reason, 'auth_failed', r.message);
    assert.match(r.message ?? '', /don't match/);
    assert.ok(!JSON.stringify(r).includes('wrong-password-123'));
  });

  const faults: Array<[string, string]> = [
    ['rate_limited', 'rate_limited'],
    ['connection_limit', 'connection_limit'],
    ['ip_refused', 'session_rejected'],
    ['session_rejected', 'session_rejected'],
  ];
  for (const [fault, reason] of faults) {
    test(`fault ${fault} fails with ${reason}`, async () => {
      board.ssh.fault = fault as typeof board.ssh.fault;
      const r = await probe({ expect_screen: 'L Login' });
      assert.equal(r.ok, false);
      assert.equal(r.reason, reason, r.message);
      assert.equal(r.details?.phase, 'screen');
    });
  }

  test('a screen that never comes fails with screen_timeout inside the timeout', async () => {
    board.ssh.fault = 'no_screen';
    const r = await probe({ expect_screen: 'L Login', timeout: '1s' });
    assert.equal(r.reason, 'screen_timeout', r.message);
    assert.ok(r.duration_seconds < 1.5);
  });

  test('a slow screen passes within the timeout and fails past it', async () => {
    board.ssh.fault = 'slow_screen';
    board.ssh.slowScreenMs = 600;
    const ok = await probe({ expect_screen: 'L Login', timeout: '3s' });
    assert.equal(ok.ok, true, ok.message);
    assert.ok((ok.phases.screen ?? 0) >= 0.55);
    const late = await probe({ expect_screen: 'L Login', timeout: '3s', phase_timeouts: { screen: '300ms' } });
    assert.equal(late.reason, 'screen_timeout', late.message);
    assert.match(late.message ?? '', /phase screen took longer than its 300ms budget/);
  });

  test('the wrong screen fails with screen_mismatch and the rendered screen as evidence', async () => {
    const r = await probe({ expect_screen: 'Foglet BBS ▸ Home', timeout: '1s' });
    assert.equal(r.reason, 'screen_mismatch', r.message);
    assert.match(r.details?.screen ?? '', /L Login\s+R Register/);
  });

  test('a small terminal fails with terminal_too_small', async () => {
    const r = await probe({ expect_screen: 'L Login', terminal: { cols: 60, rows: 20 } });
    assert.equal(r.reason, 'terminal_too_small', r.message);
  });

  test('a pinned key passes; a changed key fails with hostkey_mismatch before any credential is sent', async () => {
    const pinned = board.ssh.hostKeyFingerprint;
    const ok = await probe({ expect_screen: 'L Login', host_key: pinned });
    assert.equal(ok.ok, true, ok.message);
    assert.equal(ok.details?.host_key?.fingerprint, pinned);

    await board.ssh.rotateHostKey();
    const attempts = board.ssh.stats.authAttempts;
    const r = await probe({ private_key: registered.private, expect_screen: 'L Login', host_key: pinned });
    assert.equal(r.reason, 'hostkey_mismatch', r.message);
    assert.equal(board.ssh.stats.authAttempts, attempts, 'no authentication request reached the server');
    assert.ok(r.message?.includes(pinned) && r.message.includes(board.ssh.hostKeyFingerprint), 'names old and new');
    assert.match(r.message ?? '', /SSH_HOST_KEY_DIR/);
    assert.equal(r.details?.phase, 'handshake');
  });

  test('tofu pins the first key seen and flags a later change', async () => {
    const pins = new MemoryPins();
    const first = await probe({ expect_screen: 'L Login', host_key: 'tofu' }, pins);
    assert.equal(first.ok, true, first.message);
    const target = `127.0.0.1:${board.ssh.address.port}`;
    assert.equal(pins.get(target)?.fingerprint, board.ssh.hostKeyFingerprint);
    const again = await probe({ expect_screen: 'L Login', host_key: 'tofu' }, pins);
    assert.equal(again.ok, true);
    await board.ssh.rotateHostKey();
    const changed = await probe({ expect_screen: 'L Login', host_key: 'tofu' }, pins);
    assert.equal(changed.reason, 'hostkey_mismatch');
    assert.notEqual(pins.get(target)?.fingerprint, board.ssh.hostKeyFingerprint, 'the pin is not moved by a mismatch');
  });
});
