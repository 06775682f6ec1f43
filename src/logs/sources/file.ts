/**
 * `kind: file`: follows a file as `tail -F` does. Survives rename rotation (the old
 * file is read to its end, and for a short grace while a writer still holds it) and
 * copytruncate (a shrunken file is read again from the start); waits for a file that
 * does not exist yet; starts at the end of a file never seen (or the beginning, with
 * `from: beginning`) and resumes at the saved offset after a restart. The offset is
 * saved with the file's device and inode and a checksum of its first bytes, because
 * inodes are reused: a rotation or truncation while the monitor was down is noticed.
 * File-system events wake it; a poll every `poll_interval` is the fallback.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { LineSplitter } from '../line.js';
import type { LogSource, SourceEvents, SourceSink } from './types.js';

type FileSourceConfig = Extract<Config['logs']['sources'][number], { kind: 'file' }>;

export interface FileOffset {
  dev: number;
  ino: number;
  offset: number;
  /** sha1 of the first `headLength` bytes: tells a reused inode from the file we read. */
  head: string;
  headLength: number;
}

export interface OffsetStore {
  get(source: string): FileOffset | undefined;
  set(source: string, offset: FileOffset): void;
}

const HEAD_BYTES = 128;
const CHUNK = 256 * 1024;
/** How long a renamed-away file is still read, for a writer that has not reopened yet. */
const ROTATED_GRACE_MS = 2000;

interface OpenFile {
  fh: FileHandle;
  dev: number;
  ino: number;
  position: number;
  splitter: LineSplitter;
  head?: { hash: string; length: number };
}

export class FileSource implements LogSource {
  readonly name: string;
  private current: OpenFile | undefined;
  private rotated: Array<{ file: OpenFile; until: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private running = false;
  private pass: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private waitingLogged = false;
  /** The file was missing when we first looked, so when it shows up it is read from its start. */
  private appeared = false;

  constructor(
    private readonly cfg: FileSourceConfig,
    private readonly baseDir: string,
    private readonly maxLineBytes: number,
    private readonly sink: SourceSink,
    private readonly events: SourceEvents,
    private readonly offsets: OffsetStore,
  ) {
    this.name = cfg.name;
  }

  private get file(): string {
    return path.resolve(this.baseDir, this.cfg.path);
  }

  async start(): Promise<void> {
    this.running = true;
    try {
      this.watcher = watch(path.dirname(this.file), { persistent: false }, (_e, name) => {
        if (!name || name === path.basename(this.file)) this.wake();
      });
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
    } catch {
      // The directory may not exist yet: polling finds the file when it appears.
    }
    this.timer = setInterval(() => this.wake(), this.cfg.poll_interval.ms);
    this.wake();
    await this.pass;
  }

  /** Runs one pass now, or one more after the pass in progress. */
  private wake(): void {
    if (!this.running) return;
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    this.pass = (async () => {
      do {
        this.again = false;
        try {
          await this.readPass();
        } catch (e) {
          this.events.warn({ source: this.name, err: (e as Error).message }, 'log file read failed; retrying');
        }
      } while (this.again && this.running);
      this.busy = false;
    })();
  }

  private async readPass(): Promise<void> {
    if (!this.current) {
      await this.openCurrent();
      if (!this.current) return;
    }
    const cur = this.current;
    await this.drain(cur);

    for (const r of [...this.rotated]) {
      await this.drain(r.file);
      if (Date.now() >= r.until) {
        r.file.splitter.end();
        await r.file.fh.close().catch(() => {});
        this.rotated = this.rotated.filter((x) => x !== r);
      }
    }

    const onDisk = await stat(this.file).catch(() => undefined);
    const mine = await cur.fh.stat();
    // The size the lag is measured against: this stat's, unless the file in hand changes below.
    let size = mine.size;
    if (mine.size < cur.position) {
      // copytruncate: the file was emptied in place; its new lines start at 0.
      this.events.rotation?.('truncate');
      cur.splitter.end();
      cur.position = 0;
      cur.splitter = this.splitterFor(0);
      cur.head = undefined;
      await this.drain(cur);
      size = cur.position;
    }
    if (onDisk && (onDisk.ino !== cur.ino || onDisk.dev !== cur.dev)) {
      // Renamed away, and a new file is in its place.
      this.events.rotation?.('rename');
      this.rotated.push({ file: cur, until: Date.now() + ROTATED_GRACE_MS });
      this.current = undefined;
      await this.openCurrent(true);
      const fresh = this.current as OpenFile | undefined; // set by openCurrent
      if (fresh) await this.drain(fresh);
      size = fresh?.position ?? 0;
    }
    this.sink.idle();
    await this.saveOffset();
    if (this.current) this.events.behind?.(Math.max(0, size - this.current.position));
  }

  private async openCurrent(afterRotation = false): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (!this.waitingLogged) {
        this.events.warn({ source: this.name, path: this.file }, 'log file does not exist yet; waiting for it');
        this.waitingLogged = true;
      }
      this.events.up(false);
      this.appeared = true;
      return;
    }
    this.waitingLogged = false;
    const st = await fh.stat();
    let position = 0;
    const saved = this.offsets.get(this.name);
    if (afterRotation) {
      position = 0;
    } else if (saved && saved.dev === st.dev && saved.ino === st.ino) {
      const same = st.size >= saved.offset && (await headOf(fh, saved.headLength)) === saved.head;
      if (same) position = saved.offset;
      else this.events.rotation?.('truncate'); // emptied in place while the monitor was down: all of it is new
    } else if (saved) {
      this.events.rotation?.('rename'); // replaced while the monitor was down: all of it is new
    } else if (!this.appeared) {
      // Never seen: start at its end, unless asked. (A file that appears while we wait is all new.)
      position = this.cfg.from === 'beginning' ? 0 : st.size;
    }
    this.current = { fh, dev: st.dev, ino: st.ino, position, splitter: this.splitterFor(position) };
    this.events.up(true);
  }

  private splitterFor(offset: number): LineSplitter {
    const before = { cut: 0 };
    const splitter: LineSplitter = new LineSplitter(this.maxLineBytes, (line, bytes, clean) => {
      if (splitter.cut !== before.cut) { this.sink.cut(splitter.cut - before.cut); before.cut = splitter.cut; }
      this.sink.line(line, bytes, clean);
    }, offset);
    return splitter;
  }

  private async drain(f: OpenFile): Promise<void> {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await f.fh.read(buf, 0, CHUNK, f.position);
      if (bytesRead === 0) return;
      f.position += bytesRead;
      f.splitter.push(buf.subarray(0, bytesRead));
      if (!this.running && bytesRead < CHUNK) return;
    }
  }

  private async saveOffset(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    const offset = cur.splitter.committed;
    // Only bytes already read go into the checksum: they do not change while the file is the same.
    const length = Math.min(HEAD_BYTES, offset);
    if (!cur.head || cur.head.length !== length) cur.head = { length, hash: await headOf(cur.fh, length) };
    const saved = this.offsets.get(this.name);
    // An idle file is polled often: write the state file only when something moved.
    if (saved && saved.dev === cur.dev && saved.ino === cur.ino && saved.offset === offset && saved.head === cur.head.hash) return;
    this.offsets.set(this.name, { dev: cur.dev, ino: cur.ino, offset, head: cur.head.hash, headLength: length });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    await this.pass;
    this.sink.idle();
    await this.saveOffset();
    for (const f of [this.current?.fh, ...this.rotated.map((r) => r.file.fh)]) await f?.close().catch(() => {});
    this.current = undefined;
    this.rotated = [];
    this.events.up(false);
  }
}

async function headOf(fh: FileHandle, length: number): Promise<string> {
  if (length === 0) return hashOf(Buffer.alloc(0));
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, 0);
  return hashOf(buf.subarray(0, bytesRead));
}

function hashOf(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex');
}
