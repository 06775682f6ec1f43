/**
 * One scenario per item of Foglet's upgrade checklist, as users meet them: the
 * monitor runs as a child process (`foglet-monitor run -c file`) against the fake
 * board; the board breaks; exactly one notification of the right category and
 * severity reaches the webhook; the board mends; exactly one resolve follows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { Receiver } from '../helpers/receiver.js';
import { checkRuns } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { startMonitor, writeConfig, type MonitorProcess } from './monitor.js';

interface Payload { change: string; status: string; alerts: Array<{ labels: Record<string, string>; fingerprint: string }> }

interface World { board: FakeFoglet; receiver: Receiver; monitor: MonitorProcess; dir: string }

interface Scenario {
  name: string;
  /** The alert it must raise. */
  category: string;
  severity: 'critical' | 'warning';
  reason?: string;
  break(w: World): Promise<void> | void;
  mend(w: World): Promise<void> | void;
}

/** Log rules clear after quiet_for; short here so that a scenario's resolve comes in seconds. */
const QUIET = '2s';

const SCENARIOS: Scenario[] = [
  {
    name: '/up failing', category: 'http', severity: 'critical', reason: 'http_status',
    break: ({ board }) => { board.httpFault = 'status_500'; },
    mend: ({ board }) => { board.httpFault = 'none'; },
  },
  {
    name: 'SSH refused', category: 'ssh', severity: 'critical', reason: 'connect_refused',
    break: ({ board }) => board.ssh.stop(),
    mend: ({ board }) => board.ssh.start(),
  },
  {
    name: 'SSH session rejected (database down)', category: 'ssh', severity: 'critical', reason: 'session_rejected',
    break: ({ board }) => { board.ssh.fault = 'session_rejected'; },
    mend: ({ board }) => { board.ssh.fault = 'none'; },
  },
  (() => {
    let original = '';
    return {
      name: 'host key changed', category: 'ssh', severity: 'critical', reason: 'hostkey_mismatch',
      break: async ({ board }: World) => { original = board.ssh.privateHostKey; await board.ssh.rotateHostKey(); },
      mend: ({ board }: World) => board.ssh.rotateHostKey(original),
    } satisfies Scenario;
  })(),
  {
    name: 'rate limited', category: 'ssh', severity: 'critical', reason: 'rate_limited',
    break: ({ board }) => { board.ssh.fault = 'rate_limited'; },
    mend: ({ board }) => { board.ssh.fault = 'none'; },
  },
  {
    name: 'failed migration line', category: 'migration_failure', severity: 'critical',
    break: ({ board }) => board.log!.fault('migration'),
    mend: () => { /* nothing more is written: quiet_for clears it */ },
  },
  {
    name: 'Repo connection errors past threshold', category: 'db_connection', severity: 'critical',
    break: ({ board }) => board.log!.fault('db'),
    mend: () => {},
  },
  {
    name: 'missing SECRET_KEY_BASE (multi-line form)', category: 'missing_secret', severity: 'critical',
    break: ({ board }) => board.log!.fault('missing_secret'),
    mend: () => {},
  },
  {
    name: 'host-key directory error', category: 'ssh_host_key', severity: 'critical',
    break: ({ board }) => board.log!.fault('host_key_dir'),
    mend: () => {},
  },
  {
    name: 'SMTP delivery failure', category: 'smtp', severity: 'warning',
    break: ({ board }) => board.log!.fault('smtp'),
    mend: () => {},
  },
  {
    name: 'restart loop (boot markers past threshold)', category: 'restart_loop', severity: 'critical',
    break: ({ board }) => { for (let i = 0; i < 3; i++) board.log!.boot(); },
    mend: () => { /* no further boot: it clears after the window */ },
  },
];

async function withWorld(config: (w: Omit<World, 'monitor'>) => Record<string, unknown>, body: (w: World) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-e2e-'));
  const logFile = path.join(dir, 'foglet.log');
  writeFileSync(logFile, '');
  const board = await FakeFoglet.start({ logFile });
  const receiver = await Receiver.start();
  let monitor: MonitorProcess | undefined;
  try {
    const file = path.join(dir, 'monitor.yaml');
    writeConfig(file, { state_file: path.join(dir, 'state.json'), ...config({ board, receiver, dir }) });
    monitor = await startMonitor(file);
    await body({ board, receiver, monitor, dir });
  } finally {
    await monitor?.stop();
    await board.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The config every scenario runs: /up and the SSH guest path every second, the board's log, a webhook. */
export function scenarioConfig({ board, receiver }: Omit<World, 'monitor'>, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

const payloads = (r: Receiver) => r.accepted.map((x) => x.json as Payload);
const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

async function healthy(w: World): Promise<void> {
  await waitFor(async () => (await checkRuns(w.monitor.base)).every((n) => n >= 2), 'both checks to run twice', 10_000);
  const status = (await (await fetch(`${w.monitor.base}/status`)).json()) as { checks: Array<{ name: string; state: string }> };
  assert.deepEqual(status.checks.map((c) => c.state), ['ok', 'ok'], 'the board starts healthy');
  assert.deepEqual(payloads(w.receiver), [], 'nothing sent while healthy');
}

describe('end to end: each checklist item pages once and resolves once', { concurrency: 3 }, () => {
  for (const sc of SCENARIOS) {
    test(sc.name, async () => {
      await withWorld((w) => scenarioConfig(w), async (w) => {
        await healthy(w);
        await sc.break(w);
        const firing = await waitFor(() => payloads(w.receiver).find((p) => p.change === 'firing'), `${sc.name}: a firing`, 15_000);
        await settle();
        const labels = firing.alerts[0]!.labels;
        assert.equal(labels.category, sc.category, JSON.stringify(labels));
        assert.equal(labels.severity, sc.severity);
        assert.equal(labels.instance, 'e2e');
        if (sc.reason) assert.equal((firing as unknown as { commonAnnotations: { reason: string } }).commonAnnotations.reason, sc.reason);
        assert.deepEqual(payloads(w.receiver).map((p) => p.change), ['firing'], 'exactly one notification');

        await sc.mend(w);
        await waitFor(() => payloads(w.receiver).some((p) => p.change === 'resolved'), `${sc.name}: the resolve`, 20_000);
        await settle();
        const all = payloads(w.receiver);
        assert.deepEqual(all.map((p) => p.change), ['firing', 'resolved'], 'exactly one resolve, nothing else');
        assert.equal(all[1]!.alerts[0]!.fingerprint, firing.alerts[0]!.fingerprint);
      });
    });
  }

  test('a healthy release with a normal restart pages nobody', async () => {
    await withWorld((w) => scenarioConfig(w, { releases: { grace: '20s', watch_for: '3s', watch_interval: '1s' }, api: { token: 'e2e-api-token-0123456789' } }), async (w) => {
      await healthy(w);
      const mark = (status: string) => fetch(`${w.monitor.base}/api/releases`, {
        method: 'POST', headers: { authorization: 'Bearer e2e-api-token-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify({ version: 'v2.0.0', status }),
      });
      assert.equal((await mark('started')).status, 200);
      // The deploy: the board goes away for two seconds, boots (boot lines), and comes back.
      await w.board.ssh.stop();
      w.board.httpFault = 'status_500';
      await new Promise((r) => setTimeout(r, 2000));
      w.board.log!.boot();
      await w.board.ssh.start();
      w.board.httpFault = 'none';
      assert.equal((await mark('finished')).status, 200);
      const verdict = await waitFor(async () => {
        const s = (await (await fetch(`${w.monitor.base}/status`)).json()) as { release: { current: { verdict?: { verdict: string } } } };
        return s.release.current.verdict?.verdict;
      }, 'the post-release verdict', 15_000);
      assert.equal(verdict, 'healthy');
      await settle();
      const pages = payloads(w.receiver).filter((p) => p.change !== 'notice');
      assert.deepEqual(pages.map((p) => `${p.change} ${p.alerts[0]!.labels.alertname}`), [], 'no page, no resolve: nothing fired');
      const notices = payloads(w.receiver).filter((p) => p.change === 'notice');
      assert.equal(notices.length, 1, 'one notice: the release is healthy');
      assert.equal(notices[0]!.alerts[0]!.labels.severity, 'info');
    });
  });
});
