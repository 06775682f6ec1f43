/**
 * `verify`: Foglet's post-release checklist as a one-shot watch for CI after a
 * deploy. Runs every check each interval through the window, reads the configured
 * log sources (from --since), and ends early on a hard failure (a failed
 * migration, a missing secret, a changed host key). The report is the checklist
 * with a verdict and evidence per item.
 */
import path from 'node:path';
import { runChecksOnce } from '../checks/once.js';
import type { PinnedKey } from '../checks/ssh/hostkey.js';
import type { Config } from '../config/schema.js';
import { silentLogger } from '../log.js';
import type { FileOffset } from '../logs/sources/file.js';
import { LogWatcher } from '../logs/watcher.js';
import { Metrics } from '../metrics.js';
import { SECTIONS, StateStore, stateMap } from '../state.js';
import { Checklist, type ChecklistItem, type ReleaseVerdict } from './checklist.js';
import { safeInterval } from './rate-limit.js';
import { Redactor } from '../config/redact.js';

export interface VerifyOptions {
  config: Config;
  baseDir: string;
  windowMs: number;
  intervalMs: number;
  /** Read logs from this time (ms since the epoch); undefined: from now. */
  since?: number;
  release?: string;
  onProgress?(p: { leftMs: number; items: ChecklistItem[]; runs: number }): void;
}

export interface VerifyReport {
  release: string | null;
  verdict: ReleaseVerdict;
  started_at: string;
  ended_at: string;
  window_seconds: number;
  /** How long it actually watched: less than the window when it ended early. */
  watched_seconds: number;
  ended_early: boolean;
  probe_rounds: number;
  items: ChecklistItem[];
  notes: string[];
}


export async function verifyRelease(opts: VerifyOptions): Promise<VerifyReport> {
  const { config } = opts;
  const startedAt = Date.now();
  const checklist = new Checklist(config.checks);
  const notes: string[] = [];
  const intervalMs = safeInterval(config, opts.intervalMs);
  if (intervalMs !== opts.intervalMs) notes.push(`probe interval raised to ${intervalMs / 1000}s to stay under Foglet's SSH rate limit`);

  // Logs: files from the start when --since is given (older events are skipped), else from their end.
  const sources = config.logs.sources.filter((s) => s.kind !== 'http')
    .map((s) => (s.kind === 'file' ? { ...s, from: opts.since !== undefined ? 'beginning' as const : 'end' as const } : s));
  if (sources.length < config.logs.sources.length) notes.push('http log sources are not read by verify (no server runs)');
  if (sources.length === 0) notes.push('no log source configured: the log items are not checked');
  const offsets = new Map<string, FileOffset>();
  const watcher = new LogWatcher({
    logs: { ...config.logs, sources },
    instance: config.instance,
    baseDir: opts.baseDir,
    metrics: new Metrics(),
    logger: silentLogger(),
    offsets: { get: (k) => offsets.get(k), set: (k, v) => offsets.set(k, v) },
    onSignal: (s) => checklist.log(s),
    since: opts.since,
  });
  await watcher.start();

  const redactor = Redactor.fromConfig(config);
  const state = new StateStore(path.resolve(opts.baseDir, config.state_file));
  await state.load();
  const pins = stateMap<PinnedKey>(state, SECTIONS.hostKeyPins);
  let rounds = 0;
  const deadline = startedAt + opts.windowMs;
  try {
    // At least one round, even after a hard failure in the logs: the report should say whether the board answers.
    while ((rounds === 0 && config.checks.length > 0) || (Date.now() < deadline && !checklist.hardFailure)) {
      const roundStart = Date.now();
      if (config.checks.length > 0) {
        for (const r of await runChecksOnce(config.checks, { baseDir: opts.baseDir, hostKeyPins: pins, redact: (t) => redactor.redact(t) })) checklist.probe(r);
        rounds++;
      }
      opts.onProgress?.({ leftMs: Math.max(0, deadline - Date.now()), items: checklist.items(), runs: rounds });
      const next = Math.min(deadline, roundStart + intervalMs);
      while (Date.now() < next && !checklist.hardFailure) {
        await new Promise((r) => setTimeout(r, Math.min(250, next - Date.now())));
        opts.onProgress?.({ leftMs: Math.max(0, deadline - Date.now()), items: checklist.items(), runs: rounds });
      }
    }
  } finally {
    await watcher.stop();
    await state.flush();
  }
  const endedEarly = Date.now() < deadline;
  return {
    release: opts.release ?? null,
    verdict: checklist.verdict(),
    started_at: new Date(startedAt).toISOString(),
    ended_at: new Date().toISOString(),
    window_seconds: opts.windowMs / 1000,
    watched_seconds: Math.round((Date.now() - startedAt) / 1000),
    ended_early: endedEarly,
    probe_rounds: rounds,
    items: checklist.items(),
    notes,
  };
}

const MARK: Record<string, string> = { ok: 'ok', degraded: 'DEGRADED', failed: 'FAILED', unknown: 'unknown' };

export function reportMarkdown(r: VerifyReport): string {
  const icon = { healthy: '✅', degraded: '⚠️', failed: '❌' }[r.verdict];
  const lines = [
    `### ${icon} Foglet release ${r.release ?? ''} ${r.verdict}`.replace(/\s+/g, ' ').trim(),
    '',
    `Watched ${r.watched_seconds}s from ${r.started_at}${r.ended_early ? ` of a ${r.window_seconds}s window (ended early: hard failure)` : ''}, ${r.probe_rounds} probe round(s).`,
    '',
    '| item | verdict | evidence |',
    '|---|---|---|',
    ...r.items.map((i) => `| ${i.title} | ${MARK[i.verdict]} | ${i.evidence.map((e) => e.replaceAll('|', '\\|')).join('<br>') || ''} |`),
  ];
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

export function reportTable(r: VerifyReport, render: (h: string[], rows: string[][]) => string): string {
  const rows = r.items.flatMap((i) => [
    [i.id, MARK[i.verdict]!, i.evidence[0] ?? ''],
    ...i.evidence.slice(1).map((e) => ['', '', e]),
  ]);
  return [
    render(['ITEM', 'VERDICT', 'EVIDENCE'], rows),
    '',
    `release ${r.release ?? '(unnamed)'}: ${r.verdict.toUpperCase()}${r.ended_early ? ' (ended early on a hard failure)' : ''}`,
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
