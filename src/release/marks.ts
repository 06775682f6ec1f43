/**
 * Release marks from deploy pipelines (`started`, `finished`, `failed`) and the
 * deploy window they open: from `started` until `finished` plus a grace period.
 * Inside it, what a deploy causes anyway (one restart, a brief /up or SSH outage)
 * waits; what a bad release causes pages at once (window.ts says which). Without
 * marks, a boot in the logs opens a window of `grace` of its own, which later boots
 * do not extend. The current release is a label on new alerts; the history is kept
 * in the state file.
 */
import { z } from 'zod';

export const releaseMarkSchema = z.strictObject({
  version: z.string().min(1).max(128),
  status: z.enum(['started', 'finished', 'failed']),
  at: z.iso.datetime({ offset: true }).optional(),
});
export type ReleaseMark = z.output<typeof releaseMarkSchema>;

export interface Release {
  version: string;
  /** `started` until `finished` or `failed`; `booted` for a window opened by a boot marker alone. */
  status: 'started' | 'finished' | 'failed' | 'booted';
  startedAt: string;
  finishedAt?: string;
  /** No `started` mark was seen: the release is taken to have started at its finish (or failure). */
  startAssumed?: boolean;
  failedAt?: string;
  /** Boots seen in the logs while this release's window was open (a boot-opened window starts at 1). */
  boots?: number;
  /** The post-release watch's verdict, once it has one. */
  verdict?: { verdict: 'healthy' | 'degraded' | 'failed'; at: string; final: boolean; items: Array<{ id: string; verdict: string; evidence: string[] }> };
}

export interface ReleaseSettings {
  /** After `finished` (or a boot without marks), the window stays open this long. */
  graceMs: number;
  /** A `started` with no `finished` stops holding alerts after this long (a pipeline that died). */
  maxWindowMs: number;
  /** After `finished`, the post-release watch runs this long: its failures join the release's incident. */
  watchForMs: number;
}

const HISTORY = 20;

export class ReleaseTracker {
  private history: Release[];

  constructor(saved: Release[] | undefined, private readonly settings: () => ReleaseSettings, private readonly onChange: (all: Release[], marked?: Release) => void,
    private readonly now: () => number = Date.now) {
    this.history = (saved ?? []).filter((r) => r && typeof r.version === 'string');
  }

  get current(): Release | undefined {
    return this.history.at(-1);
  }

  list(): Release[] {
    return [...this.history].reverse();
  }

  mark(mark: ReleaseMark): Release {
    const at = new Date(mark.at ? Date.parse(mark.at) : this.now()).toISOString();
    let r = this.history.find((x) => x.version === mark.version && x.status !== 'booted');
    if (mark.status === 'started' || !r) {
      // A version started again (a retried deploy) starts afresh. A finish or a failure with no
      // start seen (a pipeline that only marks the end, a monitor that was down) starts there,
      // and says so.
      this.history = this.history.filter((x) => x.version !== mark.version || x.status === 'booted');
      r = { version: mark.version, status: 'started', startedAt: at, ...(mark.status !== 'started' ? { startAssumed: true } : {}) };
      this.history.push(r);
    }
    if (mark.status === 'finished') { r.status = 'finished'; r.finishedAt = at; }
    if (mark.status === 'failed') { r.status = 'failed'; r.failedAt = at; }
    this.trim();
    this.onChange(this.history, r);
    return r;
  }

  /**
   * A boot seen in the logs (or a counter reset in Foglet's metrics). Inside an open window it is
   * counted (a crash after the second boot is no deploy's doing), never extends it: a restart loop
   * must not keep its own alerts held back. With no window open it opens one of `grace`, so at
   * most one such window per `grace`.
   */
  boot(): void {
    const now = this.now();
    const r = this.current;
    if (r && this.windowEndsAt(now) !== undefined) {
      r.boots = this.bootsInWindow(now) + 1;
    } else {
      const at = new Date(now).toISOString();
      this.history.push({ version: r?.version ?? 'unknown', status: 'booted', startedAt: at, finishedAt: at, boots: 1 });
      this.trim();
    }
    this.onChange(this.history);
  }

  /** Boots seen while the current window has been open (0 when none is open). */
  bootsInWindow(now = this.now()): number {
    const r = this.current;
    if (!r || this.windowEndsAt(now) === undefined) return 0;
    return r.boots ?? (r.status === 'booted' ? 1 : 0);
  }

  /** ms since the epoch when the deploy window closes, or undefined when none is open. */
  windowEndsAt(now = this.now()): number | undefined {
    const r = this.current;
    if (!r) return undefined;
    const start = Date.parse(r.startedAt);
    let end: number;
    if (r.status === 'started') end = start + this.settings().maxWindowMs;
    else if (r.status === 'failed') return undefined; // a failed release holds nothing back
    else if (r.status === 'booted') end = start + this.settings().graceMs; // later boots never extend it
    else end = Date.parse(r.finishedAt ?? r.startedAt) + this.settings().graceMs;
    return now < end ? end : undefined;
  }

  /** Records a watch's verdict on a release. */
  setVerdict(version: string, verdict: NonNullable<Release['verdict']>): void {
    const r = [...this.history].reverse().find((x) => x.version === version && x.status !== 'booted');
    if (!r) return;
    r.verdict = verdict;
    this.onChange(this.history);
  }

  /**
   * `release:<version>` while a marked release is being deployed or watched, `boot:<time>`
   * while a boot-opened window is: the failures that begin then are one incident for the
   * pager (a restart loop's crashes and its loop are one page).
   */
  incidentKey(now = this.now()): string | undefined {
    const r = this.current;
    if (!r) return undefined;
    if (r.status === 'booted') return this.windowEndsAt(now) !== undefined ? `boot:${r.startedAt}` : undefined;
    if (r.status === 'started') return this.windowEndsAt(now) !== undefined ? `release:${r.version}` : undefined;
    const end = Date.parse(r.finishedAt ?? r.failedAt ?? r.startedAt) + Math.max(this.settings().graceMs, this.settings().watchForMs);
    return now < end ? `release:${r.version}` : undefined;
  }

  /** The release to label new alerts with: the current marked one. */
  get label(): string | undefined {
    const r = this.current;
    return r && r.version !== 'unknown' ? r.version : undefined;
  }

  private trim(): void {
    if (this.history.length > HISTORY) this.history = this.history.slice(-HISTORY);
  }
}
