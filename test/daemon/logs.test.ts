import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { validateConfig } from '../../src/config/load.js';
import { LogSink } from '../helpers/sink.js';
import { waitFor } from '../helpers/wait.js';
import { logTime } from '../helpers/log-time.js';
import { fetchStatus } from '../helpers/status.js';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';
/** Lines stamped at module load: the tests below run well within their rules' quiet_for. */
const T = logTime();

const TOKEN = 'ingest-Token-0123456789abcdef';
const DB_PASSWORD = 'Hunter2-db-Pa55word';
const MIGRATION = `${T} [error] Could not create schema migrations table. This error usually happens due to the following:`;
const HOST_KEY = `${T} [warning] Foglet.SSH.HostKey: no host key in /data/ssh, generating a new ed25519 key`;

describe('daemon: log sources, /api/logs and log signals', () => {
  let dir: string;
  let file: string;
  let daemon: Daemon;
  let base: string;
  const logs = new LogSink();
  const config = () => validateConfig({
    instance: 'logs-1',
    state_file: path.join(dir, 'state.json'),
    logs: {
      sources: [
        { name: 'app', kind: 'file', path: file, poll_interval: '50ms' },
        { name: 'shipper', kind: 'http', token: TOKEN, max_body_bytes: 4096 },
      ],
    },
  });
  const status = async () => (await fetchStatus(base));
  const post = (body: string, token?: string) => fetch(`${base}/api/logs`, {
    method: 'POST', body, headers: { 'content-type': 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-logs-'));
    file = path.join(dir, 'foglet.log');
    appendFileSync(file, `${MIGRATION}\n`); // before the monitor first sees the file: not read (starts at the end)
    daemon = await startDaemon({ config: config(), logs, logLevel: 'debug' });
    base = `http://${daemon.address}`;
  });
  after(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a failure appended to a tailed file becomes a log signal, with its evidence redacted', async () => {
    appendFileSync(file, `${T} [info] Running migrations with DATABASE_URL=ecto://foglet:${DB_PASSWORD}@db.internal/foglet\n${MIGRATION}\n`);
    const s = await waitFor(async () => {
      const st = await status();
      return st.logs.recent_signals.some((x) => x.category === 'migration_failure') && st;
    }, 'the migration signal');
    const sig = s.logs.recent_signals.find((x) => x.category === 'migration_failure')!;
    assert.equal(sig.ok, false);
    assert.equal(sig.severity, 'critical');
    assert.equal(sig.labels.log_source, 'app');
    assert.match(sig.evidence!.lines!.join('\n'), /Could not create schema migrations table/);
    assert.match(sig.evidence!.lines!.join('\n'), /DATABASE_URL=<redacted>/, 'the line before is context, redacted');
    assert.equal(s.logs.sources.find((x) => x.name === 'app')!.lines, 2, 'the line written before start is skipped');
    assert.ok(!JSON.stringify(s).includes(DB_PASSWORD));
  });

  test('POST /api/logs wants the bearer token and a bounded body', async () => {
    assert.equal((await post(HOST_KEY)).status, 401);
    assert.equal((await post(HOST_KEY, 'not-the-token-at-all')).status, 401);
    assert.equal((await post('x'.repeat(5000), TOKEN)).status, 413);
    const ok = await post(`${HOST_KEY}\n${T} [info] Foglet SSH daemon started on port 2222\n`, TOKEN);
    assert.equal(ok.status, 202);
    assert.deepEqual(await ok.json(), { accepted: 2 });
    const s = await waitFor(async () => {
      const st = await status();
      return st.logs.recent_signals.some((x) => x.category === 'ssh_host_key') && st;
    }, 'the host key signal');
    assert.equal(s.logs.recent_signals.find((x) => x.category === 'ssh_host_key')!.labels.log_source, 'shipper');
  });

  test('JSON lines from a shipper are read by their message field', async () => {
    const body = [{ message: MIGRATION, level: 'error' }, { msg: 'healthy', level: 'info' }].map((r) => JSON.stringify(r)).join('\n');
    const res = await post(body, TOKEN);
    assert.equal(res.status, 202);
    await waitFor(async () => (await status()).logs.sources.find((x) => x.name === 'shipper')!.matches >= 2, 'the second match on shipper');
  });

  test('plain text whose first line starts with "[" is lines, not a broken JSON array; a JSON array is records', async () => {
    const text = await post('[info] Running FogletBbsWeb.Endpoint\nsecond line\n', TOKEN);
    assert.equal(text.status, 202, await text.clone().text());
    assert.deepEqual(await text.json(), { accepted: 2 });
    const array = await post(JSON.stringify([{ message: 'one' }, { message: 'two' }, 'three']), TOKEN);
    assert.deepEqual(await array.json(), { accepted: 3 });
  });

  test('log metrics carry lines, matches and source state; nothing secret', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.ok(!text.includes(TOKEN) && !text.includes(DB_PASSWORD));
    const byName = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f.metrics as Array<{ labels: Record<string, string>; value: string }>]));
    const value = (name: string, labels: Record<string, string>) =>
      Number(byName.get(name)?.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v))?.value);
    assert.equal(value('foglet_monitor_log_lines_total', { source: 'app' }), 2);
    assert.equal(value('foglet_monitor_log_matches_total', { source: 'app', category: 'migration_failure' }), 1);
    assert.equal(value('foglet_monitor_log_matches_total', { source: 'shipper', category: 'ssh_host_key' }), 1);
    assert.equal(value('foglet_monitor_log_source_up', { source: 'app' }), 1);
    assert.equal(value('foglet_monitor_log_bytes_behind', { source: 'app' }), 0);
    assert.equal(value('foglet_monitor_log_rule_active', { source: 'app', category: 'migration_failure' }), 1);
    assert.ok(value('foglet_monitor_log_last_match_timestamp_seconds', { source: 'app', rule: 'schema_migrations_table' }) > 0);
    assert.ok(!logs.text.includes(TOKEN) && !logs.text.includes(DB_PASSWORD), 'nothing secret in the monitor log');
  });

  test('a restart resumes the file where it stopped: lines written while down are read once', async () => {
    await daemon.stop();
    const saved = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as { sections: { log_offsets: Record<string, { offset: number }> } };
    assert.ok(saved.sections.log_offsets.app!.offset > 0);
    appendFileSync(file, `${MIGRATION}\n${T} [info] fine\n`);
    daemon = await startDaemon({ config: config(), logs, logLevel: 'debug' });
    base = `http://${daemon.address}`;
    const s = await waitFor(async () => {
      const st = await status();
      return st.logs.sources.find((x) => x.name === 'app')!.lines === 2 && st;
    }, 'the two lines written while down');
    // A third line written now: had anything been read twice, the count would pass 3.
    appendFileSync(file, `${T} [info] third\n`);
    await waitFor(async () => (await status()).logs.sources.find((x) => x.name === 'app')!.lines >= 3, 'the third line');
    const app = (await status()).logs.sources.find((x) => x.name === 'app')!;
    assert.equal(app.lines, 3, 'nothing read twice');
    assert.equal(app.matches, 1);
    // Active before the stop and remembered: the new match keeps it active, with no second signal.
    assert.deepEqual(s.logs.sources.find((x) => x.name === 'app')!.active_rules, ['schema_migrations_table']);
  });
});

test('a rule active at a restart is still active after it, and clears after its quiet_for (it did not: its memory was lost)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-memory-'));
  const file = path.join(dir, 'foglet.log');
  appendFileSync(file, '');
  const config = validateConfig({
    state_file: path.join(dir, 'state.json'),
    logs: { sources: [{ name: 'app', kind: 'file', path: file, poll_interval: '50ms' }], rule_overrides: { schema_migrations_table: { quiet_for: '2s' } } },
  });
  const sink = new LogSink();
  let daemon = await startDaemon({ config, logs: sink });
  const status = async () => (await fetchStatus(`http://${daemon.address}`));
  try {
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(file, `${logTime()} [error] Could not create schema migrations table. This error usually happens due to the following:\n\n`);
    await waitFor(async () => (await status()).logs.sources[0]!.active_rules.includes('schema_migrations_table'), 'the rule to be active');
    await daemon.stop();
    daemon = await startDaemon({ config, logs: sink });
    assert.deepEqual((await status()).logs.sources[0]!.active_rules, ['schema_migrations_table'], 'remembered');
    const cleared = await waitFor(async () => (await status()).logs.recent_signals.find((s) => s.ok && s.reason === 'schema_migrations_table'),
      'the rule to clear after quiet_for', 6000);
    assert.match(cleared.summary, /no match for 2s/);
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a burst of quiet lines around a failure: every line counted, the failure found on its own line with the lines before it as evidence', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-burst-'));
  const file = path.join(dir, 'foglet.log');
  appendFileSync(file, '');
  const config = validateConfig({ state_file: path.join(dir, 'state.json'), logs: { sources: [{ name: 'app', kind: 'file', path: file, poll_interval: '50ms' }] } });
  const daemon = await startDaemon({ config, logs: new LogSink() });
  const status = async () => (await fetchStatus(`http://${daemon.address}`));
  try {
    await waitFor(async () => (await status()).logs.sources[0]!.up, 'the source to be up');
    // Quiet lines are passed over in bulk (SourcePipeline.skipQuiet), read in chunks of the source's size.
    const quiet = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${T} request_id=Q${from + i} [info] Sent 200 in 312µs`).join('\n');
    appendFileSync(file, `${quiet(0, 6000)}\n${T} [error] Kernel pid terminated (application_controller) ("{application_start_failure,foglet_bbs}")\n${quiet(6000, 6000)}\n`);
    const sig = await waitFor(async () => (await status()).logs.recent_signals.find((s) => s.category === 'crash'), 'the crash signal');
    assert.equal(sig.evidence!.line, 6001);
    assert.deepEqual(sig.evidence!.lines!.map((l) => /request_id=(Q\d+)|Kernel pid terminated/.exec(l)?.[1] ?? 'crash'), ['Q5997', 'Q5998', 'Q5999', 'crash']);
    await waitFor(async () => (await status()).logs.sources[0]!.lines === 12_001, 'every line counted');
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
