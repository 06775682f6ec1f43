/**
 * Foglet's post-release checklist (its upgrade guide), as items with a verdict and
 * evidence, fed by probe results and log signals. Shared by `verify` and (later)
 * the daemon's post-release watch.
 */
import type { ProbeResult } from '../checks/types.js';
import type { Signal } from '../signals.js';

export type ItemVerdict = 'ok' | 'degraded' | 'failed' | 'unknown';
export type ReleaseVerdict = 'healthy' | 'degraded' | 'failed';

export interface ChecklistItem {
  id: string;
  title: string;
  verdict: ItemVerdict;
  evidence: string[];
}

interface ItemDef {
  id: string;
  title: string;
  /** Log categories that fail this item (critical) or degrade it (warning). */
  categories: string[];
}

const LOG_ITEMS: ItemDef[] = [
  { id: 'host_key', title: 'returning callers see the same host key; the host key directory is intact', categories: ['ssh_host_key'] },
  { id: 'migrations', title: 'no failed migration', categories: ['migration_failure'] },
  { id: 'database', title: 'no Repo/database connection error', categories: ['db_connection'] },
  { id: 'secrets', title: 'SECRET_KEY_BASE, DATABASE_URL and the other settings are present', categories: ['missing_secret'] },
  { id: 'smtp', title: 'no SMTP error', categories: ['smtp'] },
  { id: 'restarts', title: 'no crash and no repeated restarts', categories: ['restart_loop', 'crash'] },
];

/** Categories whose critical signal ends a watch at once: the release is bad whatever comes next. */
export const HARD_CATEGORIES = new Set(['migration_failure', 'missing_secret', 'ssh_host_key']);

const EVIDENCE_PER_ITEM = 5;

export class Checklist {
  private readonly last = new Map<string, ProbeResult>();
  private readonly failedRuns = new Map<string, number>();
  private readonly slowRuns = new Map<string, number>();
  private readonly runs = new Map<string, number>();
  private readonly firstFailure = new Map<string, ProbeResult>();
  private readonly logHits = new Map<string, Signal[]>();
  hostKeyChanged: ProbeResult | undefined;

  constructor(private readonly checks: Array<{ name: string; kind: string }>) {}

  probe(r: ProbeResult): void {
    this.last.set(r.check, r);
    this.runs.set(r.check, (this.runs.get(r.check) ?? 0) + 1);
    if (r.ok && r.degraded) this.slowRuns.set(r.check, (this.slowRuns.get(r.check) ?? 0) + 1);
    if (!r.ok) {
      this.failedRuns.set(r.check, (this.failedRuns.get(r.check) ?? 0) + 1);
      if (!this.firstFailure.has(r.check)) this.firstFailure.set(r.check, r);
      if (r.reason === 'hostkey_mismatch') this.hostKeyChanged ??= r;
    }
  }

  log(s: Signal): void {
    if (s.ok) return;
    const list = this.logHits.get(s.category) ?? [];
    list.push(s);
    this.logHits.set(s.category, list);
  }

  /** True when the release has failed for good: a hard log failure or a changed host key. */
  get hardFailure(): boolean {
    if (this.hostKeyChanged) return true;
    return [...this.logHits.entries()].some(([cat, sigs]) => HARD_CATEGORIES.has(cat) && sigs.some((s) => s.severity === 'critical'));
  }

  items(): ChecklistItem[] {
    const out: ChecklistItem[] = [];
    for (const kind of ['http', 'ssh'] as const) {
      const checks = this.checks.filter((c) => c.kind === kind);
      if (checks.length === 0) continue;
      const evidence: string[] = [];
      let verdict: ItemVerdict = 'ok';
      for (const c of checks) {
        const last = this.last.get(c.name);
        const failed = this.failedRuns.get(c.name) ?? 0;
        const runs = this.runs.get(c.name) ?? 0;
        if (!last) { verdict = worst(verdict, 'unknown'); evidence.push(`${c.name}: no run finished`); continue; }
        if (!last.ok) {
          verdict = 'failed';
          evidence.push(`${c.name}: failing at the end: ${last.reason}: ${last.message ?? ''}`.trim());
        } else if (failed > 0) {
          verdict = worst(verdict, 'degraded');
          const first = this.firstFailure.get(c.name)!;
          evidence.push(`${c.name}: ${failed} of ${runs} runs failed (first: ${first.reason}: ${first.message ?? ''}), passing at the end`);
        } else if (last.degraded) {
          // Working but slow at the end: what verify and the watch report as degraded.
          verdict = worst(verdict, 'degraded');
          evidence.push(`${c.name}: passing, but ${this.slowRuns.get(c.name) ?? 1} of ${runs} runs were slow (last: ${last.degraded.message.replace(/^slow: /, '')})`);
        } else {
          evidence.push(`${c.name}: ${runs} of ${runs} runs passed${this.slowRuns.get(c.name) ? `, ${this.slowRuns.get(c.name)} of them slow, fast at the end` : ''}`);
        }
      }
      out.push({ id: kind === 'http' ? 'up' : 'ssh', title: kind === 'http' ? '/up answers' : 'an SSH client connects, logs in and reaches the first screen', verdict, evidence });
    }
    for (const def of LOG_ITEMS) {
      const sigs = def.categories.flatMap((c) => this.logHits.get(c) ?? []);
      let verdict: ItemVerdict = sigs.length === 0 ? 'ok' : sigs.some((s) => s.severity === 'critical') ? 'failed' : 'degraded';
      const evidence = sigs.slice(0, EVIDENCE_PER_ITEM).map((s) => s.summary);
      if (def.id === 'host_key' && this.hostKeyChanged) {
        verdict = 'failed';
        evidence.unshift(`${this.hostKeyChanged.check}: ${this.hostKeyChanged.message ?? 'host key changed'}`);
      }
      out.push({ id: def.id, title: def.title, verdict, evidence });
    }
    return out;
  }

  verdict(): ReleaseVerdict {
    const items = this.items();
    if (items.some((i) => i.verdict === 'failed')) return 'failed';
    if (items.some((i) => i.verdict === 'degraded' || i.verdict === 'unknown')) return 'degraded';
    return 'healthy';
  }
}

const ORDER: ItemVerdict[] = ['ok', 'unknown', 'degraded', 'failed'];
function worst(a: ItemVerdict, b: ItemVerdict): ItemVerdict {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}
