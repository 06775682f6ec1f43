import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { Receiver } from '../helpers/receiver.js';
import { checkRuns } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { logTime } from '../helpers/log-time.js';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';
/** Lines stamped at module load, well within the rule's quiet_for. */
const T = logTime();

const SECRETS = { password: 'Bundle-Probe-Pa55word', dbPassword: 'Db-Secret-In-A-Log-Line-9', hook: 'hook-Token-In-Path-424242' };

let board: FakeFoglet;
let hook: Receiver;
let dir: string;
let daemon: Daemon;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fm-evidence-'));
  const logFile = path.join(dir, 'foglet.log');
  writeFileSync(logFile, '');
  board = await FakeFoglet.start({ logFile });
  board.ssh.accounts.set('probe', SECRETS.password);
  hook = await Receiver.start();
  daemon = await startDaemon({
    config: validateConfig({
      state_file: path.join(dir, 'state', 'state.json'),
      checks: [{
        name: 'ssh-login', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s', host_key: 'any',
        expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q', login: { handle: 'probe', password: SECRETS.password }, failure_threshold: 1,
      }],
      logs: { sources: [{ name: 'board', kind: 'file', path: logFile, poll_interval: '50ms' }] },
      alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${hook.url}/hooks/${SECRETS.hook}` }] },
      evidence: { keep: 3 },
    }),
  });
});
after(async () => {
  await daemon.stop();
  await board.stop();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

function bundleOf(alertname: string): { dir: string; files: Record<string, string> } | undefined {
  for (const r of hook.accepted) {
    const p = r.json as { alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> };
    const a = p.alerts[0]!;
    if (a.labels.alertname !== alertname || !a.annotations.evidence_bundle) continue;
    const bundle = a.annotations.evidence_bundle;
    return { dir: bundle, files: Object.fromEntries(readdirSync(bundle).map((f) => [f, readFileSync(path.join(bundle, f), 'utf8')])) };
  }
  return undefined;
}

test('a firing alert names a bundle with the matched lines, the screen, the timeline and the redacted config; no secret in it', async () => {
  await waitFor(async () => (await checkRuns(`http://${daemon.address}`))[0]! >= 1, 'a probe run for the timeline');
  appendFileSync(path.join(dir, 'foglet.log'),
    `${T} [info] Running migrations with DATABASE_URL=ecto://foglet:${SECRETS.dbPassword}@db/foglet\n`
    + `${T} [error] Could not create schema migrations table. This error usually happens due to the following:\n\n`);
  const log = await waitFor(() => bundleOf('FogletLogRule'), 'the log alert with its bundle');
  assert.equal(path.dirname(log.dir), path.join(dir, 'state', 'evidence'), 'beside the state file');
  assert.match(log.files['log-lines.txt']!, /Could not create schema migrations table/);
  assert.match(log.files['log-lines.txt']!, /DATABASE_URL=<redacted>/);
  assert.match(log.files['config.redacted.yaml']!, /password: <redacted>/);
  assert.ok(JSON.parse(log.files['timeline.json']!).length >= 1);

  board.ssh.fault = 'no_screen';
  const probe = await waitFor(() => bundleOf('FogletCheckFailing'), 'the probe alert with its bundle', 10_000);
  assert.ok(probe.files['screen.txt'] !== undefined, `files: ${Object.keys(probe.files)}`);
  assert.match(probe.files['alert.json']!, /"check": "ssh-login"/);

  for (const b of [log, probe]) {
    for (const [file, text] of Object.entries(b.files)) {
      for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret), `${secret} in ${file}`);
    }
  }
  assert.ok(existsSync(probe.dir));
});
