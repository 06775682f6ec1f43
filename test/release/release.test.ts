import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine.js';
import type { AlertChange } from '../../src/alerts/types.js';
import { validateConfig } from '../../src/config/load.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { ReleaseTracker } from '../../src/release/marks.js';
import { deployHold, releaseLabels } from '../../src/release/window.js';
import type { Signal } from '../../src/signals.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';
import { checkRuns, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';
import { startDaemon } from '../helpers/daemon.js';

const MIN = 60_000;

describe('release marks and the deploy window', () => {
  test('started opens the window; finished closes it after the grace; failed closes it now; a boot alone opens one', () => {
    let now = Date.parse('2026-11-25T10:00:00Z');
    const r = new ReleaseTracker(undefined, () => ({ graceMs: 5 * MIN, maxWindowMs: 30 * MIN, watchForMs: 15 * MIN }), () => {}, () => now);
    assert.equal(r.windowEndsAt(), undefined);
    r.boot();
    assert.equal(r.windowEndsAt(), now + 5 * MIN, 'a boot without marks');
    assert.equal(r.label, undefined, 'an unmarked boot names no release');
    now += 10 * MIN;
    r.mark({ version: 'v42', status: 'started' });
    assert.equal(r.windowEndsAt(), now + 30 * MIN);
    r.boot();
    assert.equal(r.current?.status, 'started', 'a boot inside a marked deploy changes nothing');
    now += 2 * MIN;
    r.mark({ version: 'v42', status: 'finished' });
    assert.equal(r.windowEndsAt(), now + 5 * MIN);
    assert.equal(r.label, 'v42');
    now += 6 * MIN;
    assert.equal(r.windowEndsAt(), undefined);
    r.mark({ version: 'v43', status: 'started' });
    r.mark({ version: 'v43', status: 'failed' });
    assert.equal(r.windowEndsAt(), undefined);
    assert.deepEqual(r.list().map((x) => `${x.version}:${x.status}`), ['v43:failed', 'v42:finished', 'unknown:booted']);
  });

  test('inside the window a deploy\'s own outage waits, a bad release pages at once; a held alert fires if it outlives the window', () => {
    let now = Date.parse('2026-11-25T10:00:00Z');
    const releases = new ReleaseTracker(undefined, () => ({ graceMs: 5 * MIN, maxWindowMs: 30 * MIN, watchForMs: 15 * MIN }), () => {}, () => now);
    const cfg = validateConfig({}).releases;
    const changes: AlertChange[] = [];
    const e = new AlertEngine({
      instance: 'i', repeatIntervalMs: 3600_000, onChange: (c) => changes.push(c), now: () => now,
      holdUntil: deployHold(releases, cfg), extraLabels: releaseLabels(releases),
    });
    const probe = (ok: boolean, check: string, reason = 'session_rejected'): Signal => ({
      source: 'probe', key: `check:${check}`, ok, severity: 'critical', category: 'ssh', reason, summary: '', labels: { check }, at: '',
    });
    releases.mark({ version: 'v7', status: 'started' });
    e.observe(probe(false, 'ssh'));
    e.observe(probe(false, 'ssh-key', 'hostkey_mismatch'));
    e.observe({ source: 'log', key: 'log:app:schema_migrations_table', ok: false, severity: 'critical', category: 'migration_failure', reason: 'schema_migrations_table', summary: '', labels: { rule: 'schema_migrations_table' }, at: '' });
    assert.deepEqual(changes.map((c) => c.alert.key).sort(), ['check:ssh-key', 'log:app:schema_migrations_table'], 'the host key and the migration page at once');
    assert.ok(changes.every((c) => c.alert.labels.release === 'v7'));
    now += MIN;
    e.observe(probe(true, 'ssh'));
    releases.mark({ version: 'v7', status: 'finished' });
    now += 10 * MIN;
    e.tick();
    assert.equal(changes.length, 2, 'the outage healed inside the window: no page');

    releases.mark({ version: 'v8', status: 'started' });
    e.observe(probe(false, 'ssh'));
    releases.mark({ version: 'v8', status: 'finished' });
    now += 4 * MIN;
    e.tick();
    assert.equal(changes.length, 2, 'still inside the grace');
    now += 2 * MIN;
    e.tick();
    assert.equal(changes.length, 3, 'still failing after the window: it fires');
    assert.equal(changes[2]!.alert.labels.release, 'v8');
  });
});

describe('the deploy window holds back one planned restart and nothing else', () => {
  const setup = (page_at_once: Record<string, string[]> = {}) => {
    const clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    const releases = new ReleaseTracker(undefined, () => ({ graceMs: 5 * MIN, maxWindowMs: 30 * MIN, watchForMs: 15 * MIN }), () => {}, () => clock.now);
    const changes: AlertChange[] = [];
    const engine = new AlertEngine({
      instance: 'i', repeatIntervalMs: 3600_000, onChange: (c) => changes.push(c), now: () => clock.now,
      holdUntil: deployHold(releases, validateConfig({ releases: { page_at_once } }).releases),
      incidentKey: (now) => releases.incidentKey(now),
    });
    return { clock, releases, changes, engine };
  };
  const log = (rule: string, category: string, ok = false, at = ''): Signal => ({
    source: 'log', key: `log:board:${rule}`, ok, severity: 'critical', category, reason: rule, summary: rule, labels: { rule }, at,
  });

  test('boots seen only in the logs open a window of grace and never extend it', () => {
    const { clock, releases } = setup();
    releases.boot();
    const end = releases.windowEndsAt();
    assert.equal(end, clock.now + 5 * MIN);
    for (let i = 0; i < 4; i++) {
      clock.now += MIN;
      releases.boot();
      assert.equal(releases.windowEndsAt(), end, 'a later boot does not extend it');
    }
    assert.equal(releases.bootsInWindow(), 5);
    clock.now = end! + 1;
    assert.equal(releases.windowEndsAt(), undefined, 'the window closed on time despite boots every minute');
    releases.boot();
    assert.equal(releases.bootsInWindow(), 1, 'the next boot opens a new window of its own');
  });

  test('a restart loop in a boot-opened window pages at once; its crashes page from the second boot; one incident', () => {
    const { releases, changes, engine, clock } = setup();
    releases.boot();
    engine.observe(log('application_exited', 'crash'));
    assert.equal(changes.length, 0, 'one crash before a boot: what a planned restart looks like, held');
    clock.now += 10_000;
    releases.boot();
    engine.tick();
    assert.deepEqual(changes.map((c) => `${c.kind}:${c.alert.key}`), ['firing:log:board:application_exited'], 'a crash after a second boot is no planned restart');
    clock.now += 10_000;
    releases.boot();
    engine.observe({ ...log('restart_loop', 'restart_loop'), key: 'log:board:restart_loop' });
    assert.deepEqual(changes.map((c) => c.alert.key), ['log:board:application_exited', 'log:board:restart_loop'], 'the loop is never held');
    assert.equal(changes[0]!.alert.incident, changes[1]!.alert.incident, 'one incident for the pager');
    assert.match(changes[0]!.alert.incident ?? '', /^boot:/);
  });

  test('a failed migration, a missing secret, a host-key change are never held, even with page_at_once emptied', () => {
    const { releases, changes, engine } = setup({ categories: [], reasons: [] });
    releases.mark({ version: 'v9', status: 'started' });
    engine.observe(log('schema_migrations_table', 'migration_failure'));
    engine.observe(log('missing_secret_key_base', 'missing_secret'));
    engine.observe(log('ssh_daemon_refusing', 'ssh_host_key'));
    engine.observe({ source: 'probe', key: 'check:ssh', ok: false, severity: 'critical', category: 'ssh', reason: 'hostkey_mismatch', summary: '', labels: {}, at: '' });
    assert.equal(changes.length, 4);
  });

  test('page_at_once adds to what never waits', () => {
    const { releases, changes, engine } = setup({ categories: ['smtp'] });
    releases.mark({ version: 'v9', status: 'started' });
    engine.observe(log('sysop_test_email_failed', 'smtp'));
    engine.observe(log('endpoint_500', 'http'));
    assert.deepEqual(changes.map((c) => c.alert.key), ['log:board:sysop_test_email_failed']);
  });

  test('held and over inside the window: nothing is sent, the alert shows as held and cleared; one that outlives it fires with startsAt at its start', () => {
    const { releases, changes, engine, clock } = setup();
    releases.mark({ version: 'v9', status: 'started' });
    const began = clock.now;
    engine.observe(log('endpoint_500', 'http', false, new Date(began).toISOString()));
    assert.equal(engine.list()[0]!.held, true);
    clock.now += MIN;
    engine.observe(log('endpoint_500', 'http', true, new Date(clock.now).toISOString()));
    releases.mark({ version: 'v9', status: 'finished' });
    clock.now += 10 * MIN;
    engine.tick();
    assert.equal(changes.length, 0, 'over before the window closed: never sent');
    const t = engine.list()[0]!;
    assert.equal(t.heldCleared, true);
    assert.equal(t.alert.state, 'resolved');

    releases.mark({ version: 'v10', status: 'started' });
    const start = clock.now;
    engine.observe(log('endpoint_500', 'http', false, new Date(start).toISOString()));
    releases.mark({ version: 'v10', status: 'finished' });
    clock.now += 6 * MIN;
    engine.tick();
    assert.deepEqual(changes.map((c) => c.kind), ['firing'], 'still failing when the window closed');
    assert.equal(changes[0]!.alert.startsAt, new Date(start).toISOString(), 'since when it began, not when the window let it through');
  });
});

describe('a scripted release against the fake Foglet', () => {
  const API = 'release-Api-Token-000111';
  let st: Stack;
  before(async () => {
    st = await startStack(({ board, receiver, logFile }) => ({
      api: { token: API },
      checks: [{ name: 'ssh', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s', host_key: 'any', expect_screen: 'L Login' }],
      logs: { sources: [{ name: 'board', kind: 'file', path: logFile, from: 'beginning', poll_interval: '50ms' }] },
      alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` }] },
      releases: { grace: '3s' },
    }));
  });
  after(() => st.stop());

  const release = (verb: string, version: string) => runCli(['release', verb, version, '--url', st.base], { env: { FOGLET_MONITOR_API_TOKEN: API } });
  const runs = async () => (await checkRuns(st.base))[0]!;

  test('start, a restart with a brief SSH outage, finish: no page', async () => {
    assert.equal((await release('start', 'v2')).code, 0);
    st.board.ssh.fault = 'session_rejected';
    const before = await runs();
    await waitFor(async () => (await runs()) >= before + 3, 'three failing runs', 8000);
    st.board.log!.boot();
    st.board.ssh.fault = 'none';
    await waitFor(async () => (await runs()) >= before + 5, 'passing again', 8000);
    assert.equal((await release('finish', 'v2')).code, 0);
    const metrics = await (await fetch(`${st.base}/metrics`)).text();
    assert.match(metrics, /foglet_monitor_release_info\{version="v2",status="finished"\} 1/);
    assert.match(metrics, /foglet_monitor_deploy_window_open 1/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(st.receiver.requests.length, 0, 'no page');
  });

  test('a migration failure inside the next release pages at once, labelled with the release', async () => {
    assert.equal((await release('start', 'v3')).code, 0);
    await fetch(`${st.board.httpUrl}/_demo/fault?log=migration`, { method: 'POST' });
    await waitFor(() => st.receiver.accepted.length === 1, 'the page');
    const p = st.receiver.accepted[0]!.json as { alerts: Array<{ labels: Record<string, string> }> };
    assert.equal(p.alerts[0]!.labels.category, 'migration_failure');
    assert.equal(p.alerts[0]!.labels.release, 'v3');
    const list = await runCli(['release', 'list', '--json', '--url', st.base], { env: { FOGLET_MONITOR_API_TOKEN: API } });
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ version: string }>).map((r) => r.version).slice(0, 2), ['v3', 'v2']);
  });

  test('a finish with no start seen is taken, and the command says what it assumed', async () => {
    const r = await release('finish', 'v2-hotfix');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'v2-hotfix finished\n');
    assert.match(r.stderr, /no start mark for v2-hotfix; it takes the deploy to have started at this finish/);
    const listed = await (await fetch(`${st.base}/api/releases`, { headers: { authorization: `Bearer ${API}` } })).json() as Array<{ version: string; startAssumed?: boolean }>;
    assert.equal(listed.find((x) => x.version === 'v2-hotfix')?.startAssumed, true);
    assert.equal(listed.find((x) => x.version === 'v2')?.startAssumed, undefined);
  });
});

describe('the post-release watch in the daemon', () => {
  const API = 'watch-Api-Token-0001112223';
  let st: Stack;
  let pinned: string;
  before(async () => {
    st = await startStack(({ board, receiver }) => {
      pinned = board.ssh.hostKeyFingerprint;
      return {
        api: { token: API },
        checks: [{ name: 'ssh', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s', host_key: pinned, expect_screen: 'L Login' }],
        alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` }] },
        releases: { grace: '1s', watch_for: '2s' },
      };
    });
  });
  after(() => st.stop());

  const mark = (version: string, status: string) => st.api('/api/releases', { version, status }, API);
  const status = async () => (await fetchStatus(st.base));

  test('a healthy release gets a healthy verdict when the watch ends', async () => {
    await mark('v10', 'started');
    await mark('v10', 'finished');
    const s = await waitFor(async () => { const cur = await status(); return cur.release.current?.verdict?.final && cur; }, 'the verdict', 8000);
    assert.equal(s.release.current?.verdict?.verdict, 'healthy', JSON.stringify(s.release.current?.verdict));
    assert.match(await (await fetch(`${st.base}/metrics`)).text(), /foglet_monitor_release_verdict\{version="v10",verdict="healthy"\} 1/);
    // Said once, as news: the notice reaches the webhook with its checklist, and nothing stays open.
    const notice = await waitFor(() => st.receiver.accepted.map((r) => r.json as { change: string; status: string; alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> })
      .find((p) => p.change === 'notice'), 'the healthy notice');
    assert.equal(notice.alerts[0]!.labels.alertname, 'FogletReleaseHealthy');
    assert.equal(notice.status, 'resolved');
    assert.match(notice.alerts[0]!.annotations.summary!, /release v10 healthy/);
    assert.match(notice.alerts[0]!.annotations.evidence!, /ssh: ok/);
  });

  test('a changed host key after a release: failed verdict at once, naming the fingerprint change, and a page', async () => {
    await mark('v11', 'started');
    await st.board.ssh.rotateHostKey();
    await mark('v11', 'finished');
    const s = await waitFor(async () => { const cur = await status(); return cur.release.current?.verdict?.verdict === 'failed' && cur; }, 'the failed verdict', 8000);
    const hostKey = s.release.current!.verdict!.items.find((i) => i.id === 'host_key')!;
    assert.equal(hostKey.verdict, 'failed');
    assert.ok(hostKey.evidence.join(' ').includes(pinned), 'names the pinned fingerprint');
    await waitFor(() => st.receiver.accepted.some((r) => (r.json as { alerts: Array<{ labels: Record<string, string> }> }).alerts[0]!.labels.alertname === 'FogletReleaseFailed'), 'the release page');
    const page = st.receiver.accepted.map((r) => r.json as { alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> })
      .find((p) => p.alerts[0]!.labels.alertname === 'FogletReleaseFailed')!;
    assert.equal(page.alerts[0]!.labels.release, 'v11');
    assert.match(page.alerts[0]!.annotations.runbook!, /roll-forward code, a code rollback/);
  });
});

describe('a failure already active when a release begins', () => {
  test('from a trial: a failed migration again during the watch fails the release, though its rule was still active from before (no new episode, so no new signal)', async () => {
    const API = 'repeat-Api-Token-000111222';
    const st = await startStack(({ receiver, logFile }) => ({
      api: { token: API },
      logs: { sources: [{ name: 'board', kind: 'file', path: logFile, from: 'beginning', poll_interval: '50ms' }] },
      alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` }] },
      releases: { grace: '1s', watch_for: '30s' },
    }));
    try {
      st.board.log!.fault('migration');
      await waitFor(async () => (await fetchStatus(st.base)).alerting.alerts.some((a) => a.category === 'migration_failure' && a.state === 'firing'), 'the first migration alert');
      await st.api('/api/releases', { version: 'v30', status: 'started' }, API);
      await st.api('/api/releases', { version: 'v30', status: 'finished' }, API);
      await waitFor(async () => (await fetchStatus(st.base)).release.watching?.version === 'v30', 'the watch of v30');
      st.board.log!.fault('migration');
      const s = await waitFor(async () => { const cur = await fetchStatus(st.base); return cur.release.current?.verdict?.verdict === 'failed' && cur; }, 'the failed verdict', 10_000);
      assert.equal(s.release.current!.verdict!.items.find((i) => i.id === 'migrations')!.verdict, 'failed');
    } finally {
      await st.stop();
    }
  });
});

describe('one pager incident per bad release', () => {
  const API = 'incident-Api-Token-000999';
  let st: Stack;
  before(async () => {
    st = await startStack(({ board, receiver, logFile }) => ({
      api: { token: API },
      checks: [{ name: 'ssh', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s', host_key: 'any', expect_screen: 'L Login', failure_threshold: 1 }],
      logs: {
        sources: [{ name: 'board', kind: 'file', path: logFile, poll_interval: '50ms' }],
        rule_overrides: { schema_migrations_table: { quiet_for: '2s' } },
      },
      alerts: { sinks: [{ name: 'oncall', kind: 'pagerduty', routing_key: 'incident-routing-key-123', url: `${receiver.url}/v2/enqueue` }] },
      releases: { grace: '0s', watch_for: '1m', page_at_once: { categories: ['migration_failure', 'ssh'] } },
    }));
    st.receiver.status = 202;
  });
  after(() => st.stop());

  const events = () => st.receiver.accepted.map((r) => r.json as { event_action: string; dedup_key: string; payload?: { custom_details: { alert: string } } });

  test('a migration line and a broken SSH login in one release: one dedup key, resolved when the last one clears', async () => {
    const mark = (status: string) => st.api('/api/releases', { version: 'v20', status }, API);
    await mark('started');
    await fetch(`${st.board.httpUrl}/_demo/fault?log=migration`, { method: 'POST' });
    st.board.ssh.fault = 'session_rejected';
    await waitFor(() => events().filter((e) => e.event_action === 'trigger').length >= 2, 'two triggers', 10_000);
    const triggers = events().filter((e) => e.event_action === 'trigger');
    assert.deepEqual([...new Set(triggers.map((e) => e.dedup_key))], ['release:v20'], 'one incident');
    assert.deepEqual(new Set(triggers.map((e) => e.payload!.custom_details.alert)), new Set(['FogletLogRule', 'FogletCheckFailing']));

    // The migration rule goes quiet first: the incident stays open while SSH still fails.
    await waitFor(async () => (await fetchStatus(st.base)).alerting.alerts.find((a) => a.key.startsWith('log:'))?.state === 'resolved', 'the migration rule to go quiet', 10_000);
    await waitFor(async () => (await fetchStatus(st.base)).alerting.sinks.every((k) => k.queued === 0), 'whatever that change sent to be delivered');
    assert.equal(events().filter((e) => e.event_action === 'resolve').length, 0, 'no resolve while SSH still fails');
    st.board.ssh.fault = 'none';
    await waitFor(() => events().some((e) => e.event_action === 'resolve'), 'the incident resolved', 10_000);
    assert.deepEqual(events().filter((e) => e.event_action === 'resolve').map((e) => e.dedup_key), ['release:v20']);
  });
});

describe('release marks are announced', () => {
  test('as a PagerDuty change event and a Grafana annotation, once per mark, with the token only in its header', async () => {
    const pd = await Receiver.start();
    const grafana = await Receiver.start();
    pd.status = ({ n }) => (n === 0 ? 503 : 202); // the first attempt fails: retried
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-announce-'));
    const API = 'announce-Api-Token-0000001';
    const GRAFANA_TOKEN = 'glsa_grafana-Token-12345';
    const daemon = await startDaemon({
      config: validateConfig({
        state_file: path.join(dir, 'state.json'),
        api: { token: API },
        releases: { announce: {
          pagerduty: { routing_key: 'change-routing-key-1', url: `${pd.url}/v2/change/enqueue` },
          grafana: { url: grafana.url, token: GRAFANA_TOKEN },
        } },
      }),
    });
    try {
      const base = `http://${daemon.address}`;
      for (const status of ['started', 'finished']) {
        await fetch(`${base}/api/releases`, {
          method: 'POST', headers: { authorization: `Bearer ${API}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 'v30', status }),
        });
      }
      await waitFor(() => pd.accepted.length === 2 && grafana.accepted.length === 2, 'two announcements each', 10_000);
      const changes = pd.accepted.map((r) => r.json as { routing_key: string; payload: { summary: string; timestamp: string } });
      assert.ok(changes.every((c) => c.routing_key === 'change-routing-key-1'));
      // The failed first attempt was retried; each event carries its own time, so order does not matter.
      assert.deepEqual(changes.map((c) => /v30 (\w+)/.exec(c.payload.summary)![1]).sort(), ['finished', 'started']);
      assert.equal(pd.requests.length, 3);
      const ann = grafana.accepted.map((r) => r.json as { tags: string[]; text: string; time: number });
      assert.deepEqual(ann.map((a) => a.tags.at(-2)), ['started', 'finished']);
      assert.ok(ann.every((a) => a.tags.includes('version:v30') && Number.isFinite(a.time)));
      assert.equal(grafana.accepted[0]!.headers.authorization, `Bearer ${GRAFANA_TOKEN}`);
      assert.ok(!grafana.accepted[0]!.body.includes(GRAFANA_TOKEN));
    } finally {
      await daemon.stop();
      await pd.close();
      await grafana.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the watch probes harder, within the SSH rate limit', () => {
  test('tighterSchedule: every check at the interval, raised for SSH checks (8 starts a minute at most)', async () => {
    const { tighterSchedule } = await import('../../src/release/rate-limit.js');
    const cfg = validateConfig({ checks: [
      { name: 'up', kind: 'http', url: 'http://127.0.0.1:1/up' },
      { name: 's1', kind: 'ssh', host: '127.0.0.1', expect_screen: 'L Login' },
      { name: 's2', kind: 'ssh', host: '127.0.0.1', expect_screen: 'L Login' },
    ] });
    assert.deepEqual(tighterSchedule(cfg, 5000).map((c) => c.schedule), ['*/15 * * * * *', '*/15 * * * * *', '*/15 * * * * *']);
    assert.deepEqual(tighterSchedule({ checks: [cfg.checks[0]!] }, 5000).map((c) => c.schedule), ['*/5 * * * * *']);
    const many = { checks: Array.from({ length: 9 }, (_, i) => ({ ...cfg.checks[1]!, name: `s${i}` })) };
    assert.equal(tighterSchedule(many, 5000), many.checks, 'a minute or more: left alone');
  });

  test('a check scheduled once a year runs every second while a release is watched, and stops after', async () => {
    const board = await FakeFoglet.start();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-boost-'));
    const API = 'boost-Api-Token-00000042';
    const daemon = await startDaemon({
      config: validateConfig({
        state_file: path.join(dir, 'state.json'),
        api: { token: API },
        checks: [{ name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '0 0 1 1 *', timeout: '2s' }],
        releases: { watch_for: '3s', watch_interval: '1s' },
      }),
    });
    try {
      const base = `http://${daemon.address}`;
      await waitFor(() => board.upRequests >= 1, 'the run at start');
      const before = board.upRequests;
      await fetch(`${base}/api/releases`, { method: 'POST', headers: { authorization: `Bearer ${API}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 'v40', status: 'finished' }) });
      await waitFor(() => board.upRequests >= before + 3, 'runs every second during the watch', 5000);
      // From a trial: /status showed the config's schedule while the watch ran another.
      const during = await fetchStatus(base);
      if (during.release.watching) assert.equal(during.checks[0]!.schedule, '*/1 * * * * *');
      await waitFor(async () => ((await fetchStatus(base))).release.watching === null, 'the watch to end', 6000);
      assert.equal((await fetchStatus(base)).checks[0]!.schedule, '0 0 1 1 *');
      await new Promise((r) => setTimeout(r, 300));
      const after = board.upRequests;
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(board.upRequests, after, 'back to the yearly schedule');
    } finally {
      await daemon.stop();
      await board.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
