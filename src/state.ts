/**
 * One JSON file for everything that must survive a restart: last results, host-key
 * pins, log offsets and rule memory, alert states, the notification queue, silences
 * and release marks.
 * Written by atomic rename, so a crash mid-write leaves the previous file whole;
 * a corrupt file is moved aside and named in a warning, never fatal.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

const FORMAT_VERSION = 1;

/** The sections of the state file, one per part that keeps something across restarts. */
export const SECTIONS = {
  checkResults: 'check_results',
  hostKeyPins: 'host_key_pins',
  logOffsets: 'log_offsets',
  logRules: 'log_rules',
  alerts: 'alerts',
  notificationQueue: 'notification_queue',
  silences: 'silences',
  releases: 'releases',
} as const;

export interface StateLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface StateStoreOptions {
  /** Each write's outcome: for the monitor's metrics. */
  onWrite?(ok: boolean): void;
}

/** How long changes gather before one write. */
const DEBOUNCE_MS = 200;
/** How long a failed write waits before the next try. */
const RETRY_MS = 5000;

type Sections = Record<string, unknown>;

export class StateStore {
  private data: Sections = {};
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last write error, or undefined once a write succeeds again. */
  lastError: Error | undefined;

  constructor(readonly file: string, private readonly logger?: StateLogger, private readonly opts: StateStoreOptions = {}) {}

  async load(): Promise<void> {
    await this.removeStaleCopies();
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.logger?.warn({ file: this.file, err: (e as Error).message }, 'cannot read the state file; starting with empty state');
      return;
    }
    try {
      const parsed = JSON.parse(text) as { version?: number; sections?: Sections };
      if (!parsed || typeof parsed !== 'object' || typeof parsed.sections !== 'object') throw new Error('no sections');
      this.data = parsed.sections ?? {};
    } catch (e) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside).catch(() => {});
      this.logger?.warn({ file: this.file, moved_to: aside, err: (e as Error).message },
        'state file is not valid; moved it aside and started with empty state');
      this.data = {};
    }
  }

  /**
   * Half-written copies a killed process left (`state.json.tmp-<pid>`: the write goes to one, then
   * a rename): nothing reads them, and on a full disk they hold the space a write needs.
   */
  private async removeStaleCopies(): Promise<void> {
    const dir = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.tmp-`;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) {
      if (n.startsWith(prefix) && n !== `${prefix}${process.pid}`) await unlink(path.join(dir, n)).catch(() => {});
    }
  }

  get<T>(section: string): T | undefined {
    return this.data[section] as T | undefined;
  }

  set(section: string, value: unknown): void {
    this.data[section] = value;
    this.dirty = true;
    this.schedule(this.lastError ? RETRY_MS : DEBOUNCE_MS);
  }

  /** Writes pending changes now; resolves when they are on disk (or the write failed). */
  flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await writeAtomic(this.file, JSON.stringify({ version: FORMAT_VERSION, sections: this.data }));
        if (this.lastError) this.logger?.info?.({ file: this.file }, 'the state file is written again');
        this.lastError = undefined;
        this.opts.onWrite?.(true);
      } catch (e) {
        this.dirty = true;
        // Said once when writes start failing, not on every try: the metric counts the tries.
        if (!this.lastError) this.logger?.warn({ file: this.file, err: (e as Error).message }, 'cannot write the state file; keeping state in memory and retrying');
        this.lastError = e as Error;
        this.opts.onWrite?.(false);
        this.schedule(RETRY_MS);
      }
    });
    return this.writing;
  }

  /**
   * Writes pending changes now and throws when they could not be written: for a write
   * API, which must not acknowledge what a restart would forget.
   */
  async persist(): Promise<void> {
    await this.flush();
    if (this.lastError) throw new Error(`the state file cannot be written (${this.lastError.message})`);
  }

  /** Stops the retries (the process is ending; `flush` first to write what is pending). */
  close(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.closed = true;
  }

  private schedule(ms: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, ms);
    this.timer.unref();
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    // A disk that is full keeps no half-written copy: the space goes back.
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** One section as a small map by key. */
export interface KeyedStore<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

/** A keyed view of one section, for parts that keep a small map (host-key pins, log offsets, rule memory). */
export function stateMap<T>(store: StateStore, section: string): KeyedStore<T> {
  return {
    get: (key) => store.get<Record<string, T>>(section)?.[key],
    set: (key, value) => store.set(section, { ...store.get<Record<string, T>>(section), [key]: value }),
  };
}
