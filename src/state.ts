/**
 * One JSON file for everything that must survive a restart (last results now;
 * host-key pins, log offsets, alert states and the notification queue later).
 * Written by atomic rename, so a crash mid-write leaves the previous file whole;
 * a corrupt file is moved aside and named in a warning, never fatal.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

const FORMAT_VERSION = 1;

/** The sections of the state file, one per part that keeps something across restarts. */
export const SECTIONS = {
  checkResults: 'check_results',
  hostKeyPins: 'host_key_pins',
  logOffsets: 'log_offsets',
  alerts: 'alerts',
  notificationQueue: 'notification_queue',
  silences: 'silences',
  releases: 'releases',
} as const;

export interface StateLogger {
  warn(obj: object, msg: string): void;
}

type Sections = Record<string, unknown>;

export class StateStore {
  private data: Sections = {};
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  /** The last write error, or undefined once a write succeeds again. */
  lastError: Error | undefined;

  constructor(readonly file: string, private readonly logger?: StateLogger, private readonly debounceMs = 200) {}

  async load(): Promise<void> {
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

  get<T>(section: string): T | undefined {
    return this.data[section] as T | undefined;
  }

  set(section: string, value: unknown): void {
    this.data[section] = value;
    this.dirty = true;
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, this.debounceMs);
  }

  /** Writes pending changes now; resolves when they are on disk (or the write failed). */
  flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await writeAtomic(this.file, JSON.stringify({ version: FORMAT_VERSION, sections: this.data }));
        this.lastError = undefined;
      } catch (e) {
        this.dirty = true;
        this.lastError = e as Error;
        this.logger?.warn({ file: this.file, err: (e as Error).message }, 'cannot write the state file; keeping state in memory');
      }
    });
    return this.writing;
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

/** A keyed view of one section, for parts that keep a small map (host-key pins, log offsets). */
export function stateMap<T>(store: StateStore, section: string): { get(key: string): T | undefined; set(key: string, value: T): void } {
  return {
    get: (key) => store.get<Record<string, T>>(section)?.[key],
    set: (key, value) => store.set(section, { ...store.get<Record<string, T>>(section), [key]: value }),
  };
}
