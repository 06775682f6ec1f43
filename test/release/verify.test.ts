import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import type { VerifyReport } from '../../src/release/verify.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

describe('foglet-monitor verify', () => {
  let board: FakeFoglet;
  let dir: string;
  let logFile: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-verify-'));
    logFile = path.join(dir, 'foglet.log');
    writeFileSync(logFile, '');
    board = await FakeFoglet.start({ logFile });
  });
  after(async () => {
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function configFile(name: string, hostKey = board.ssh.hostKeyFingerprint): string {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, YAML.stringify({
      state_file: path.join(dir, `${name}-state.json`),
      checks: [
        { name: 'up', kind: 'http', url: `${board.httpUrl}/up`, timeout: '2s', expect: { body: '^ok$' } },
        { name: 'ssh', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, timeout: '3s', host_key: hostKey, expect_screen: 'L Login' },
      ],
      logs: { sources: [{ name: 'board', kind: 'file', path: logFile, poll_interval: '50ms' }] },
    }));
    return file;
  }

  const verify = async (args: string[]) => {
    const r = await runCli(['verify', ...args], { timeoutMs: 30_000 });
    return { ...r, report: r.stdout.startsWith('{') ? JSON.parse(r.stdout) as VerifyReport : undefined };
  };
  const item = (r: VerifyReport, id: string) => r.items.find((i) => i.id === id)!;

  test('a healthy board: exit 0, every item ok, the JSON shape', async () => {
    const r = await verify(['-c', configFile('healthy'), '--window', '2s', '--interval', '1s', '--release', 'v5', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rep = r.report!;
    assert.equal(rep.verdict, 'healthy');
    assert.equal(rep.release, 'v5');
    assert.equal(rep.ended_early, false);
    assert.ok(rep.probe_rounds >= 1);
    assert.deepEqual(rep.items.map((i) => i.id), ['up', 'ssh', 'host_key', 'migrations', 'database', 'secrets', 'smtp', 'restarts']);
    assert.ok(rep.items.every((i) => i.verdict === 'ok'), JSON.stringify(rep.items));
    assert.match(item(rep, 'ssh').evidence[0]!, /ssh: \d+ of \d+ runs passed/);
    assert.ok(rep.notes.some((n) => /SSH rate limit/.test(n)), 'the interval was raised for the SSH check');
  });

  test('a failed migration in the logs since the deploy: exit 1, ended early, with the line as evidence', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    await fetch(`${board.httpUrl}/_demo/fault?log=migration`, { method: 'POST' });
    const t0 = Date.now();
    const r = await verify(['-c', configFile('migration'), '--window', '20s', '--since', since, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - t0 < 15_000, 'it stopped early');
    const rep = r.report!;
    assert.equal(rep.verdict, 'failed');
    assert.equal(rep.ended_early, true);
    assert.equal(rep.window_seconds, 20);
    assert.ok(rep.watched_seconds < 15, `it says how long it watched: ${rep.watched_seconds}s`);
    assert.equal(item(rep, 'migrations').verdict, 'failed');
    assert.match(item(rep, 'migrations').evidence[0]!, /Could not create schema migrations table/);
  });

  test('a changed host key fails the release, naming both fingerprints; markdown for a job summary', async () => {
    const pinned = board.ssh.hostKeyFingerprint;
    await board.ssh.rotateHostKey();
    const r = await verify(['-c', configFile('hostkey', pinned), '--window', '20s', '--format', 'markdown']);
    assert.equal(r.code, 1, r.stderr);
    // Ended early: the time it watched, not the window it was given (it said "Watched 20s").
    assert.match(r.stdout, /Watched \d+s from \S+ of a 20s window \(ended early: hard failure\)/);
    assert.doesNotMatch(r.stdout, /Watched 20s/);
    assert.match(r.stdout, /^### ❌ Foglet release failed/m);
    assert.match(r.stdout, /\| returning callers see the same host key; the host key directory is intact \| FAILED \|/);
    assert.ok(r.stdout.includes(pinned), 'names the pinned key');
    assert.ok(r.stdout.includes(board.ssh.hostKeyFingerprint), 'and the one offered');
  });

  for (const [fault, itemId, verdict, code] of [
    ['log=db', 'database', 'failed', 1],
    ['log=missing_secret', 'secrets', 'failed', 1],
    ['log=smtp', 'smtp', 'degraded', 0],
    ['log=restart_loop', 'restarts', 'failed', 1],
    ['http=status_500', 'up', 'failed', 1],
    ['ssh=session_rejected', 'ssh', 'failed', 1],
  ] as const) {
    test(`each checklist failure: ${fault} -> ${itemId} ${verdict}, exit ${code}`, async () => {
      const since = new Date().toISOString();
      const live = fault.startsWith('log=');
      // A broken board is broken from the start; log errors come while verify watches, as a bad release's do.
      if (!live) await fetch(`${board.httpUrl}/_demo/fault?${fault}`, { method: 'POST' });
      const probed = board.upRequests;
      const running = verify(['-c', configFile(`fault-${itemId}`), '--window', '3s', '--interval', '1s', '--since', since, '--format', 'json']);
      if (live) {
        // verify reads the logs before its first probe round: once /up is probed, it is watching.
        await waitFor(() => board.upRequests > probed, 'verify to start watching', 10_000);
        await fetch(`${board.httpUrl}/_demo/fault?${fault}`, { method: 'POST' });
      }
      try {
        const r = await running;
        assert.equal(r.code, code, r.stderr);
        const rep = r.report!;
        assert.equal(item(rep, itemId).verdict, verdict, JSON.stringify(rep.items));
        assert.ok(item(rep, itemId).evidence.length > 0);
        assert.equal(rep.verdict, verdict === 'failed' ? 'failed' : 'degraded');
      } finally {
        await fetch(`${board.httpUrl}/_demo/fault?http=none&ssh=none`, { method: 'POST' });
      }
    });
  }

  test('a bad config: exit 2', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'checks:\n  - name: up\n    kind: http\n    url: nope\n');
    const r = await verify(['-c', bad, '--window', '1s']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /checks\[0\]\.url/);
  });
});
