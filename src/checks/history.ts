/**
 * Each check's last seven days, for the status page's history bars, uptime and response-time
 * sparklines: every run counted into a five-minute bucket (passed, slow, failed; the time it
 * took, the SSH screen phase's too; the last failure's reason), so that memory and the file it
 * is kept in stay the same size whatever the schedule: 2016 buckets a check, in typed arrays.
 * Saved beside the state file every bucket and at a stop; a kill -9 loses at most one bucket.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ProbeResult } from './types.js';

export const BUCKET_MS = 5 * 60_000;
export const BUCKETS = 7 * 24 * 12;
/** The bar and the sparkline show the last 24 hours in this many slices (15 minutes each). */
export const SLICES = 96;
const PER_SLICE = (24 * 12) / SLICES;

class Series {
  readonly bucket = new Int32Array(BUCKETS).fill(-1);
  readonly ok = new Uint16Array(BUCKETS);
  readonly slow = new Uint16Array(BUCKETS);
  readonly fail = new Uint16Array(BUCKETS);
  readonly totalMs = new Float64Array(BUCKETS);
  readonly screenMs = new Float64Array(BUCKETS);
  readonly screenRuns = new Uint16Array(BUCKETS);
  readonly reason: Array<string | undefined> = new Array(BUCKETS);

  slot(b: number): number {
    const i = b % BUCKETS;
    if (this.bucket[i] !== b) {
      this.bucket[i] = b;
      this.ok[i] = 0; this.slow[i] = 0; this.fail[i] = 0;
      this.totalMs[i] = 0; this.screenMs[i] = 0; this.screenRuns[i] = 0;
      this.reason[i] = undefined;
    }
    return i;
  }
}

/** A count that stops at its type's top rather than wrapping to 0. */
function bump(counts: Uint16Array, i: number): void {
  if (counts[i]! < 65535) counts[i] = counts[i]! + 1;
}

/** One slice of the bar: its start, its runs by outcome, the reason it last failed, its mean times. */
export interface HistorySlice {
  start: string;
  ok: number;
  slow: number;
  fail: number;
  reason: string | null;
  /** Mean run time in ms, null without runs. */
  mean_ms: number | null;
  /** Mean SSH screen phase in ms, null without it. */
  screen_ms: number | null;
}

export interface CheckHistoryView {
  /** Passed or slow over all runs (a slow run is up), null without runs. */
  uptime_24h: number | null;
  uptime_7d: number | null;
  slices: HistorySlice[];
}

interface SavedSeries { b: number[]; ok: number[]; slow: number[]; fail: number[]; ms: number[]; sms: number[]; sn: number[]; r: Array<string | null> }

export class CheckHistory {
  private readonly series = new Map<string, Series>();

  constructor(private readonly now: () => number = Date.now) {}

  record(r: ProbeResult): void {
    let s = this.series.get(r.check);
    if (!s) { s = new Series(); this.series.set(r.check, s); }
    const i = s.slot(Math.floor(Date.parse(r.started_at) / BUCKET_MS));
    if (!r.ok) { bump(s.fail, i); s.reason[i] = r.reason ?? 'failed'; } else bump(r.degraded ? s.slow : s.ok, i);
    s.totalMs[i] = s.totalMs[i]! + r.duration_seconds * 1000;
    const screen = r.phases.screen;
    if (screen !== undefined) { s.screenMs[i] = s.screenMs[i]! + screen * 1000; bump(s.screenRuns, i); }
  }

  /** Only the checks configured now; a removed check's history goes with it. */
  configure(names: readonly string[]): void {
    for (const name of [...this.series.keys()]) if (!names.includes(name)) this.series.delete(name);
  }

  view(name: string): CheckHistoryView {
    const s = this.series.get(name);
    const nowBucket = Math.floor(this.now() / BUCKET_MS);
    const uptime = (buckets: number) => {
      let up = 0, all = 0;
      if (s) for (let b = nowBucket - buckets + 1; b <= nowBucket; b++) {
        const i = b % BUCKETS;
        if (s.bucket[i] !== b) continue;
        up += s.ok[i]! + s.slow[i]!;
        all += s.ok[i]! + s.slow[i]! + s.fail[i]!;
      }
      return all ? up / all : null;
    };
    const slices: HistorySlice[] = [];
    const first = nowBucket - SLICES * PER_SLICE + 1;
    for (let k = 0; k < SLICES; k++) {
      const slice = { ok: 0, slow: 0, fail: 0, reason: null as string | null, ms: 0, sms: 0, sn: 0 };
      for (let j = 0; j < PER_SLICE; j++) {
        const b = first + k * PER_SLICE + j;
        const i = b % BUCKETS;
        if (!s || s.bucket[i] !== b) continue;
        slice.ok += s.ok[i]!; slice.slow += s.slow[i]!; slice.fail += s.fail[i]!;
        slice.ms += s.totalMs[i]!; slice.sms += s.screenMs[i]!; slice.sn += s.screenRuns[i]!;
        slice.reason = s.reason[i] ?? slice.reason;
      }
      const runs = slice.ok + slice.slow + slice.fail;
      slices.push({
        start: new Date((first + k * PER_SLICE) * BUCKET_MS).toISOString(),
        ok: slice.ok, slow: slice.slow, fail: slice.fail, reason: slice.reason,
        mean_ms: runs ? Math.round(slice.ms / runs) : null,
        screen_ms: slice.sn ? Math.round(slice.sms / slice.sn) : null,
      });
    }
    return { uptime_24h: uptime(24 * 12), uptime_7d: uptime(BUCKETS), slices };
  }

  /** The buckets of the last seven days, compact: only those with runs. */
  save(): Record<string, SavedSeries> {
    const out: Record<string, SavedSeries> = {};
    const oldest = Math.floor(this.now() / BUCKET_MS) - BUCKETS + 1;
    for (const [name, s] of this.series) {
      const saved: SavedSeries = { b: [], ok: [], slow: [], fail: [], ms: [], sms: [], sn: [], r: [] };
      for (let i = 0; i < BUCKETS; i++) {
        if (s.bucket[i]! < oldest) continue;
        saved.b.push(s.bucket[i]!); saved.ok.push(s.ok[i]!); saved.slow.push(s.slow[i]!); saved.fail.push(s.fail[i]!);
        saved.ms.push(Math.round(s.totalMs[i]!)); saved.sms.push(Math.round(s.screenMs[i]!)); saved.sn.push(s.screenRuns[i]!);
        saved.r.push(s.reason[i] ?? null);
      }
      out[name] = saved;
    }
    return out;
  }

  /** What save() wrote; anything malformed is skipped, not fatal (history is a nicety, not state). */
  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const oldest = Math.floor(this.now() / BUCKET_MS) - BUCKETS + 1;
    for (const [name, raw] of Object.entries(saved as Record<string, Partial<SavedSeries>>)) {
      if (!raw || !Array.isArray(raw.b)) continue;
      const s = this.series.get(name) ?? new Series();
      raw.b.forEach((b, k) => {
        if (!Number.isInteger(b) || b < oldest) return;
        const i = s.slot(b);
        const n = (a: unknown[] | undefined) => { const v = Number(a?.[k]); return Number.isFinite(v) && v >= 0 ? v : 0; };
        s.ok[i] = Math.min(65535, n(raw.ok)); s.slow[i] = Math.min(65535, n(raw.slow)); s.fail[i] = Math.min(65535, n(raw.fail));
        s.totalMs[i] = n(raw.ms); s.screenMs[i] = n(raw.sms); s.screenRuns[i] = Math.min(65535, n(raw.sn));
        const r = raw.r?.[k];
        s.reason[i] = typeof r === 'string' ? r.slice(0, 64) : undefined;
      });
      this.series.set(name, s);
    }
  }
}

/** `state.json` -> `state.history.json`, beside it. */
export function historyPath(stateFile: string): string {
  return stateFile.replace(/(\.json)?$/, '.history.json');
}

/** The history in its own file beside the state file: written whole, then renamed over the old one. */
export class HistoryFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string, private readonly history: CheckHistory, private readonly warn: (fields: object, msg: string) => void) {}

  /** Reads the saved history, then saves it once a bucket (a kill loses at most the current bucket). */
  async start(): Promise<void> {
    await this.load();
    this.timer = setInterval(() => void this.save(), BUCKET_MS);
    this.timer.unref();
  }

  /** Stops the timer and saves what is in memory. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.save();
  }

  async load(): Promise<void> {
    try {
      this.history.restore(JSON.parse(await readFile(this.file, 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn({ file: this.file, err: (e as Error).message }, 'check history not read; starting it afresh');
    }
  }

  async save(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(this.history.save()));
      await rename(tmp, this.file);
    } catch (e) {
      this.warn({ file: this.file, err: (e as Error).message }, 'check history not saved; it is kept in memory and tried again');
    }
  }
}
