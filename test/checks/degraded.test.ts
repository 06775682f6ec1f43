/**
 * Latency conditions: a run that passes but takes longer than its check's degraded_after
 * (in total, or in one phase: SSH's login screen) is degraded, with a message naming what
 * was slow and the limit; a fast run, or a failing one, is not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpProbe } from '../../src/checks/http/probe.js';
import { runProbe } from '../../src/checks/runner.js';
import { SshProbe } from '../../src/checks/ssh/probe.js';
import { Checklist } from '../../src/release/checklist.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { validateConfig } from '../../src/config/load.js';
import { httpCheck, sshCheck } from '../helpers/config.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';

describe('degraded_after', () => {
  let slowUp: TestServer;
  let board: FakeFoglet;
  before(async () => {
    // Answers after 150 ms: slow against 50 ms, fast against 5 s.
    slowUp = await startHttpServer((_req, res) => { setTimeout(() => res.end('ok'), 150).unref(); });
    board = await FakeFoglet.start();
  });
  after(async () => {
    await slowUp.close();
    await board.stop();
  });

  test('an HTTP run past its total limit passes, degraded, naming how long it took and the limit', async () => {
    const cfg = httpCheck({ url: `${slowUp.url}/up`, degraded_after: '50ms' });
    const r = await runProbe(cfg, new HttpProbe(cfg, { baseDir: process.cwd() }));
    assert.equal(r.ok, true, r.message);
    assert.equal(r.degraded?.reason, 'slow');
    assert.match(r.degraded!.message, /^slow: took \d+ms \(degraded_after 50ms\)$/);
    const fast = httpCheck({ url: `${slowUp.url}/up`, degraded_after: '1s' });
    assert.equal((await runProbe(fast, new HttpProbe(fast, { baseDir: process.cwd() }))).degraded, undefined);
  });

  test('an SSH login screen past degraded_after.screen is degraded; a fast one and a failing one are not', async () => {
    const cfg = sshCheck({ port: board.ssh.address.port, expect_screen: 'L Login', degraded_after: { screen: '100ms' } });
    board.ssh.slowScreenMs = 300;
    board.ssh.fault = 'slow_screen';
    try {
      const slow = await runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
      assert.equal(slow.ok, true, slow.message);
      assert.match(slow.degraded?.message ?? '', /^slow: its screen phase took \d+ms \(degraded_after\.screen 100ms\)$/);
      board.ssh.fault = 'session_rejected';
      const failing = await runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
      assert.equal(failing.ok, false);
      assert.equal(failing.degraded, undefined, 'a failing run is failing, not slow');
    } finally {
      board.ssh.fault = 'none';
    }
    const fast = await runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
    assert.equal(fast.ok, true);
    assert.equal(fast.degraded, undefined);
  });

  test('a limit that the timeout would cut first, or a phase the kind has not, is refused naming the field', () => {
    const refuse = (check: Record<string, unknown>) => {
      try { validateConfig({ checks: [check] }); } catch (e) { return (e as Error).message; }
      return assert.fail('accepted');
    };
    assert.match(refuse({ name: 'up', kind: 'http', url: 'http://127.0.0.1:1/up', timeout: '2s', degraded_after: '2s' }),
      /checks\[0\]\.degraded_after: must be below the check's timeout \(2s\), got 2s/);
    assert.match(refuse({ name: 's', kind: 'ssh', host: 'h', expect_screen: 'x', timeout: '5s', degraded_after: { screen: '6s' } }),
      /checks\[0\]\.degraded_after\.screen: must be below the check's timeout \(5s\), got 6s/);
    assert.match(refuse({ name: 'up', kind: 'http', url: 'http://127.0.0.1:1/up', degraded_after: { screen: '1s' } }),
      /checks\[0\]\.degraded_after\.screen: unknown key \(not one this kind or section takes\)/);
  });

  test('verify and the release watch report a check slow at the end as degraded, with why', () => {
    const list = new Checklist([{ name: 'ssh', kind: 'ssh' }]);
    const run = (degraded?: string) => ({
      check: 'ssh', kind: 'ssh' as const, target: 'board:22', started_at: new Date().toISOString(), duration_seconds: 1.2, ok: true, phases: {},
      ...(degraded ? { degraded: { reason: 'slow' as const, message: degraded } } : {}),
    });
    list.probe(run());
    list.probe(run('slow: its screen phase took 1.20s (degraded_after.screen 500ms)'));
    const item = list.items().find((i) => i.id === 'ssh')!;
    assert.equal(item.verdict, 'degraded');
    assert.match(item.evidence[0]!, /ssh: passing, but 1 of 2 runs were slow \(last: its screen phase took 1\.20s/);
    assert.equal(list.verdict(), 'degraded');
    list.probe(run());
    assert.equal(list.items().find((i) => i.id === 'ssh')!.verdict, 'ok', 'fast again at the end');
  });
});
