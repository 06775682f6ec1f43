/**
 * `kind: file`: follows a file as `tail -F` does, and loses nothing quietly.
 * - Rename rotation: the old file is read to its end before the new one, and kept
 *   being read while a writer still appends to it, until it has been quiet for
 *   `rotate_wait`.
 * - copytruncate: a file emptied in place is read again from its start; what was not
 *   read yet before the truncation is read from the copy (a sibling whose first bytes
 *   are the file's), then copies of files truncated again before we looked, oldest
 *   first. A line cut in two by the truncation is handed on whole.
 * - While the monitor was down: the state keeps the file's identity (device, inode,
 *   a checksum of its first bytes, since inodes are reused), its offset, and the
 *   rotated files not yet read to their end. At start the old file is looked for
 *   among its siblings (`name.1`, `name-20261130`: any file with its inode, or a copy
 *   with its first bytes) and read from the saved offset first. What cannot be
 *   recovered (the copy is compressed or gone) is said once, with the file and the
 *   byte offset, and counted (`gap`), never silent.
 * - A file that does not exist yet is waited for and read from its start; a file
 *   never seen starts at its end (or the beginning, with `from: beginning`).
 * - Idle files cost next to nothing: file-system events on the directory wake it; a
 *   slow poll (a stat a minute) is the safety net, and `poll_interval` applies only where events are
 *   not to be had (a directory that does not exist yet, a file system without them)
 *   or while a rotated file is still being followed.
 */
import { createHash } from 'node:crypto';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { open, readdir, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { LineSplitter } from '../line.js';
import type { LogSource, SourceEvents, SourceSink } from './types.js';

type FileSourceConfig = Extract<Config['logs']['sources'][number], { kind: 'file' }>;

/** Which file: inodes are reused, so the checksum of its first bytes says whether it is still the one we read. */
export interface FileIdentity {
  dev: number;
  ino: number;
  /** sha1 of the first `headLength` bytes. */
  head: string;
  headLength: number;
}

export interface FileOffset extends FileIdentity {
  /** Bytes read and matched: a restart resumes here. */
  offset: number;
  /** ms since the epoch when this was saved: a rotated sibling changed since holds lines not read yet. */
  savedAt?: number;
  /**
   * sha1 of the CHECK_BYTES bytes ending at `at` (at most the offset): a file truncated and
   * written again while the monitor was down is told apart even when its first bytes are
   * the same, and of several copies with the same first bytes the right one is found.
   */
  check?: { at: number; hash: string };
  /**
   * Checks before `check` (at most SAVED_MARKS of the marks, see keepRecent): logrotate's copy can end
   * before the offset (what was written during its copy and fsync we read from the file), and one of
   * these, within the copy, tells it from another file at the next start.
   */
  marks?: Array<{ at: number; hash: string }>;
  /** The file at the path was gone when this was saved: whatever is there at the next start is new. */
  gone?: boolean;
  /**
   * Saved at offset 0 only: the start of the file's first line, carried in from the copy before it
   * (logrotate's copy ended inside a line), base64. Only in memory, it was lost with a kill -9 (a trial).
   */
  carry?: string;
  /**
   * Rotated files not yet read to their end, oldest first: a restart finishes them first. `copy`:
   * nobody writes to it (a copy logrotate made), so it is let go once read, not followed.
   */
  rotated?: Array<FileIdentity & { offset: number; path: string; copy?: boolean; carry?: string }>;
}

export interface OffsetStore {
  get(source: string): FileOffset | undefined;
  set(source: string, offset: FileOffset): void;
}

const HEAD_BYTES = 128;
const CHECK_BYTES = 64;
/**
 * What the board writes between logrotate's copy and its truncation (the copy is fsynced in between:
 * a few ms, longer under load) is read from the file only: a copy that ends within this many bytes
 * before where we read to is recognised as the copy of what we read by its last bytes.
 */
const RECENT_BYTES = 32 * 1024;
const MARK_SPACING = 16 * 1024;
/** Marks nearer the start, for a copy shorter than MARK_SPACING. */
const SMALL_MARKS = [1024, 2048, 4096, 8192];
const MARKS = 36;
/** The last four before the offset, then 8, 16 and 32 back, and the first. */
const SAVED_MARKS = 8;
const CHUNK = 256 * 1024;
/**
 * With file-system events working, the poll is only a safety net (a lost event, an
 * overflowed event queue; a log that is written to raises another event soon anyway):
 * one stat per file a minute, spread out so that a thousand sources do not poll in the
 * same millisecond.
 */
const WATCHED_POLL_MS = 60_000;
/** Rotated siblings are looked for among this many directory entries at most. */
const MAX_SIBLINGS = 10_000;
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z|zip)$/i;
/** What logrotate and its kin put after a rotated file's name: `.1`, `-20261130`, `_2026-11-30`, `.2.gz`. */
const ROTATED_SUFFIX = /^[-._]\d[\d\-_.]{0,40}(?:\.(?:gz|bz2|xz|zst|lz4|z|zip))?$/i;

interface OpenFile {
  fh: FileHandle;
  /** Its name when we last knew it (a rotated file's may have moved on since). */
  path: string;
  dev: number;
  ino: number;
  position: number;
  splitter: LineSplitter;
  head?: { hash: string; length: number };
  check?: { at: number; hash: string };
  /**
   * Its first bytes (at most HEAD_BYTES) as we saw them: its head grows from these as more is
   * read, never from the file again, which may have been emptied and written since (a head or a
   * check hashed from the new bytes took the copy of what we had read for a stranger, and the
   * copy was then read again as a file never seen).
   */
  known?: Buffer;
  /** The last CHECK_BYTES bytes read (fewer at first), ending where it was read to. */
  tail?: Buffer;
  /**
   * The file at the path only: the last RECENT_BYTES read, ending where it was read to. logrotate's
   * copy is shorter than what we read when the board wrote between its copy and its truncation; these
   * bytes tell that copy (nothing left to read in it) from a copy of another file.
   */
  recent?: Buffer;
  /**
   * The file at the path only: checks at fixed places (keepRecent), the last MARKS of them.
   * logrotate's copytruncate copies to the end, then fsyncs the copy, then truncates (copyTruncate in
   * logrotate.c): what the board writes meanwhile is in no copy, and under load its copy can end far
   * before where we read (a trial: 20 KB copied of 88 KB read); a mark within the copy tells it.
   */
  marks?: Array<{ at: number; hash: string }>;
  /** Its modification time at the last pass. */
  mtimeMs?: number;
  /** The start of its first line, carried in from the file read before it: saved while the offset is 0. */
  carried?: Buffer;
  /** ms since the epoch when it last grew: a rotated file is let go after rotate_wait of quiet. */
  grewAt: number;
}

/** A rotated sibling held open while a truncation is worked out: a rename cannot move it away from us. */
interface HeldFile {
  fh: FileHandle;
  /** Its name when listed. */
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Its first bytes (at most HEAD_BYTES). */
  first: Buffer;
}

export class FileSource implements LogSource {
  readonly name: string;
  private current: OpenFile | undefined;
  private rotated: OpenFile[] = [];
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private running = false;
  private pass: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private waitingLogged = false;
  private resumed = false;
  /** The file was missing when we first looked, so when it shows up it is read from its start. */
  private appeared = false;
  private lastSaved = '';
  /** The path followed, resolved once (it is asked for several times a pass). */
  private readonly file: string;
  /** The directory watched (its inode) and the name at the path's end when it is a symbolic link (null: one elsewhere). */
  private dirIno: number | undefined;
  private target: string | null | undefined;
  /**
   * The file the path resolves to (the path itself unless it is a symbolic link): its rotations
   * are beside it, not beside the link.
   */
  private real: string | undefined;
  /** The last poll found events not to be trusted: poll at poll_interval. */
  private deaf = false;
  /** The path was gone at the last pass. */
  private pathGone = false;
  private slowPolls = 0;
  private gapSaid = false;
  /** The file whose lines were handed on last: an event still waiting for more lines is its. */
  private lastRead: object | undefined;
  /** When a pass last found the path as it left it: a sibling written since then that we do not know is one we never saw. */
  private lastLook = Date.now();
  /**
   * Copies read to their end and let go (dev:ino, and their time then: an inode is reused once a
   * rotation deletes its file), so that they are not taken for files never seen.
   */
  private readonly consumed = new Map<string, number>();
  /**
   * Siblings the last copytruncate accounted for (dev:ino:mtime): read then, or there before. Any
   * other sibling written since is a copy of a file at the path that this source never read (the
   * file truncated twice or more between two looks: logrotate run in quick succession).
   */
  private accounted = new Set<string>();
  /** When the file now at the path began to be read (a truncation seen, or the start). */
  private generationAt = Date.now();
  /** A truncation was seen this pass: after the new file's first read, copies made meanwhile are looked for once more. */
  private lookAgain = false;
  /** Rotated files let go after rotate_wait of quiet, and where they were read to. */
  private readonly released = new Map<string, { position: number; head: { length: number; hash: string } }>();

  constructor(
    private readonly cfg: FileSourceConfig,
    baseDir: string,
    private readonly maxLineBytes: number,
    private readonly sink: SourceSink,
    private readonly events: SourceEvents,
    private readonly offsets: OffsetStore,
  ) {
    this.name = cfg.name;
    this.file = path.resolve(baseDir, cfg.path);
  }


  async start(): Promise<void> {
    this.running = true;
    this.watchDirectory();
    this.wake();
    await this.pass;
    // A symbolic link into another directory: its file's changes raise no event here, so the poll
    // runs at poll_interval from the start, not once a minute (a trial waited 45 s, and lost two
    // rotations in between).
    this.deaf = !(await this.eventsWork());
    this.schedulePoll();
  }

  private watchDirectory(): void {
    if (this.watcher) return;
    const base = path.basename(this.file);
    try {
      // The directory watched, by its inode: one removed and made again is another, that this watch does not see.
      this.dirIno = statSync(path.dirname(this.file)).ino;
      this.watcher = watch(path.dirname(this.file), { persistent: false }, (_e, name) => {
        // A rotated file still followed has a name of its own: any event in the directory may be it;
        // so may the file a symbolic link at the path points to.
        if (!name || name === base || name === this.target || this.rotated.length > 0) this.wake();
      });
      this.watcher.on('error', () => this.unwatch());
    } catch {
      // The directory may not exist yet: the poll finds the file when it appears, and watches then.
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * Whether events can be trusted to wake this source: a watch on the directory that is
   * there now (one removed and made again leaves the old watch deaf), and the file itself
   * in that directory (a symbolic link to a file elsewhere changes no name we hear of).
   */
  private async eventsWork(): Promise<boolean> {
    if (!this.watcher) return false;
    const dir = await stat(path.dirname(this.file)).catch(() => undefined);
    if (!dir || (this.dirIno !== undefined && dir.ino !== this.dirIno)) {
      this.unwatch();
      return false;
    }
    this.dirIno = dir.ino;
    return this.target !== null;
  }

  private schedulePoll(): void {
    if (!this.running) return;
    const slow = this.watcher && !this.deaf && !this.pathGone && this.current && this.rotated.length === 0;
    // Spread by a random first delay, then one fixed period: timers of one duration share one list in Node,
    // so a thousand sources cost one timer list rather than a thousand.
    const period = Math.max(WATCHED_POLL_MS, this.cfg.poll_interval.ms);
    const ms = !slow ? this.cfg.poll_interval.ms : this.slowPolls++ === 0 ? period * Math.random() : period;
    this.timer = setTimeout(() => {
      this.watchDirectory();
      void this.poll().finally(() => this.schedulePoll());
    }, ms);
    this.timer.unref();
  }

  /** The next poll now rather than when its timer was due (the polling rate changed). */
  private pollSoon(): void {
    if (!this.running || !this.timer) return;
    clearTimeout(this.timer);
    this.schedulePoll();
  }

  /** The safety poll: one stat of the path, and a pass only when the file is not as we left it. */
  private async poll(): Promise<void> {
    const cur = this.current;
    // The usual case, one stat: the file as we left it. (A stat costs ~0.2 ms of CPU through the
    // thread pool: at 1,000 sources that is what an idle monitor spends, so it is the only one.)
    if (cur && this.rotated.length === 0 && !this.busy && !this.deaf) {
      const st = await stat(this.file).catch(() => undefined);
      if (st && st.ino === cur.ino && st.dev === cur.dev && st.size === cur.position) return;
    }
    // Something changed that no event told of: check the watch itself before trusting it again.
    this.deaf = !(await this.eventsWork());
    this.wake();
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

  /** Where rotated files are looked for: beside the file the path resolves to. */
  private get rotatedBeside(): string {
    return this.real ?? this.file;
  }

  /** The file the path resolves to; a link whose file is gone (renamed away) names where it will be. */
  private async resolve(): Promise<void> {
    this.real = await realpath(this.file).catch(async () => {
      const link = await readlink(this.file).catch(() => undefined);
      return link === undefined ? undefined : path.resolve(path.dirname(this.file), link);
    });
  }

  private async readPass(): Promise<void> {
    // A link may be pointed elsewhere at any time: looked up every pass. A plain file: at the first
    // pass, then where openFile looks anyway (a realpath a pass was a syscall per write burst for nothing).
    if (!this.resumed || this.target !== undefined) await this.resolve();
    if (!this.resumed) {
      // Siblings there before we look are accounted for: the last run read them, or resume finds
      // them now (a copy made from here on is of what this run reads).
      this.accounted = await this.siblingKeys();
      this.generationAt = Date.now();
      await this.resume();
      this.resumed = true;
    }
    if (!this.current) await this.openCurrent();

    // Rotated files first: their lines were written before the current file's.
    const now = Date.now();
    for (const r of [...this.rotated]) {
      const grew = (await this.drain(r)) > 0;
      // A copy (grewAt 0: nobody writes to it), read to its end: the rest of an unterminated last line
      // will never come, so it is handed on now, before the files after it. (It was followed for
      // rotate_wait as a file written to, across restarts, and read seconds late, out of order: a trial.)
      if (r.grewAt === 0) r.splitter.end();
      else if (grew) { r.grewAt = now; continue; }
      // Let go once quiet, and not while its last event waits to be matched (a crash would lose it).
      if (now - r.grewAt >= this.cfg.rotate_wait.ms && !(this.lastRead === r && (this.sink.unsettledBytes?.() ?? 0) > 0)) await this.letGo(r);
    }

    const cur = this.current;
    if (!cur) {
      this.sink.idle();
      this.saveOffset();
      return;
    }
    const mine = await cur.fh.stat();
    // Written again to the very size we had read (the same lines after a truncation): only its time says so.
    const rewritten = mine.size === cur.position && cur.position > 0 && mine.mtimeMs !== cur.mtimeMs;
    if (mine.size < cur.position || ((mine.size > cur.position || rewritten) && !(await unchanged(cur)))) {
      await this.truncated(cur);
    }
    cur.mtimeMs = mine.mtimeMs;
    // After a truncation, until the file's first bytes are read: copies made since are of files
    // at the path we never saw (truncated again meanwhile): read before it, and once more after.
    if (this.lookAgain) await this.copiesMadeMeanwhile(cur);
    await this.drain(cur);
    if (this.lookAgain && cur.position > 0) {
      this.lookAgain = false;
      await this.copiesMadeMeanwhile(cur);
    }
    let size = cur.position;
    const onDisk = await stat(this.file).catch(() => undefined);
    // The path is gone (the file deleted, its directory removed): poll quickly until it is back, events may be deaf.
    if (!onDisk !== this.pathGone) {
      this.pathGone = !onDisk;
      this.pollSoon();
    }
    if (onDisk && (onDisk.ino !== cur.ino || onDisk.dev !== cur.dev)) {
      // Renamed away, and a new file is in its place: follow both.
      this.events.rotation?.('rename');
      cur.grewAt = Date.now();
      this.rotated.push(cur);
      // Followed files are polled at poll_interval: the slow poll's timer may be a minute away, and
      // the watch may be on a directory that is gone (removed and made again: no event will come).
      this.pollSoon();
      this.current = undefined;
      await this.openCurrent(true);
      const fresh = this.current as OpenFile | undefined; // set by openCurrent
      // Renamed twice since the last pass: the file that was at the path in between is beside it, unread.
      await this.readInBetween(identityOf(cur));
      if (fresh) await this.drain(fresh);
      size = fresh?.position ?? 0;
    }
    this.updateHead();
    this.lastLook = Date.now();
    // idle() saves the rule memory: the offset is saved in the same turn, so no state write falls between them.
    this.sink.idle();
    this.saveOffset();
    if (this.current) this.events.behind?.(Math.max(0, size - this.current.position));
  }

  /**
   * What the last run left: rotated files it had not finished, and the file it was
   * reading, which may have been truncated or rotated away meanwhile.
   */
  private async resume(): Promise<void> {
    const saved = this.offsets.get(this.name);
    if (!saved || typeof saved.offset !== 'number') return;
    const seen = new Set<string>();
    for (const r of Array.isArray(saved.rotated) ? saved.rotated : []) {
      if (seen.has(`${r.dev}:${r.ino}`)) continue; // written twice by an older version: finished once
      seen.add(`${r.dev}:${r.ino}`);
      const found = await this.findSibling(r, r.offset);
      if (found.file) this.follow(this.carryInto(found.file, r), 'a rotated file the last run had not finished', r.copy === true);
      else this.lost('rotated_file_missing', r.path, r.offset, found.compressed);
    }
    const fh = await open(this.file, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const st = fh ? await fh.stat() : undefined;
    if (saved.gone) {
      // There was no file at the path when the last run stopped: one there now is all new.
      await this.changedWhileDown(saved, fh && st ? st : undefined);
      if (fh && st) this.current = await this.openFile(fh, this.file, st, 0);
      else this.appeared = true;
      return;
    }
    if (fh && st && st.dev === saved.dev && st.ino === saved.ino) {
      if (st.size >= Math.max(saved.offset, saved.check?.at ?? 0) && (await headOf(fh, saved.headLength)) === saved.head && (await checkHolds(fh, saved.check))) {
        this.current = this.carryInto(await this.openFile(fh, this.file, st, saved.offset, saved), saved);
        if (saved.check) this.current.check = saved.check;
        // Its marks go on from those saved: a copy shorter than the next saved offset may end before where this run began.
        this.current.marks = savedMarks(saved);
        // A file that was empty has nothing to check: a copytruncate of what was written to it since is only seen in a copy.
        if (saved.headLength === 0) await this.changedWhileDown(saved, st);
        return;
      }
      // Emptied in place while the monitor was down: the rest of what we had not read may be in a copy.
      this.events.rotation?.('truncate');
      const copy = await this.findSibling(saved, saved.offset, this.file);
      // A copy that ends before the offset (written to during logrotate's copy and fsync, which we read
      // from the file) holds nothing unread: neither a gap nor a sibling to read again (a trial: a false gap).
      const short = copy.file ? undefined : await this.shortCopyOf(saved);
      if (copy.file) this.follow(this.carryInto(copy.file, saved), 'the copy of the file truncated while the monitor was down', true);
      else if (!short) this.lost('truncated_while_down', this.file, saved.offset, copy.compressed);
      await this.changedWhileDown(saved, st, short, short?.mtimeMs ?? await madeAt(copy.file?.fh));
      this.current = await this.openFile(fh, this.file, st, 0);
      return;
    }
    // Rotated away (or deleted) while the monitor was down: finish the old file first.
    this.events.rotation?.('rename');
    const old = await this.findSibling(saved, saved.offset, this.file);
    if (old.file) this.follow(this.carryInto(old.file, saved), 'the file rotated away while the monitor was down');
    else this.lost('rotated_file_missing', this.file, saved.offset, old.compressed);
    await this.changedWhileDown(saved, fh && st ? st : undefined, undefined, await madeAt(old.file?.fh));
    if (fh && st) this.current = await this.openFile(fh, this.file, st, 0);
    else this.appeared = true; // all of it is new when it shows up
  }

  /**
   * More than one rotation while the monitor was down (renamed, then the new file
   * copytruncated; or the other way round): every sibling written since the last save,
   * other than those already being finished, holds lines nobody read. They are read
   * whole, oldest first, after the old file's tail and before the current file.
   * `since`: when the saved file's own rotated file (its copy, or itself renamed) was last written.
   * Siblings written after it are of files at the path after it, even those written before the
   * save: the state saved is of the file read then, and the path may have been rotated again
   * before that read looked (a kill -9 trial: a copy made 9 ms before the save, never read).
   */
  private async changedWhileDown(saved: FileOffset, current: { dev: number; ino: number } | undefined, read?: { dev: number; ino: number }, since?: number): Promise<void> {
    if (typeof saved.savedAt !== 'number') return;
    const after = Math.min(saved.savedAt, since ?? Infinity);
    const dir = path.dirname(this.rotatedBeside);
    const known = new Set([...this.rotated, ...(current ? [current] : []), ...(read ? [read] : [])].map((f) => `${f.dev}:${f.ino}`));
    const names = await this.siblingNames();
    const fresh: Array<{ name: string; mtime: number; dev: number; ino: number; size: number }> = [];
    for (const name of names) {
      const st = await stat(path.join(dir, name)).catch(() => undefined);
      if (!st?.isFile() || st.size === 0 || known.has(`${st.dev}:${st.ino}`)) continue;
      if (since !== undefined ? st.mtimeMs < after : st.mtimeMs <= after) continue;
      fresh.push({ name, mtime: st.mtimeMs, dev: st.dev, ino: st.ino, size: st.size });
    }
    fresh.sort((a, b) => a.mtime - b.mtime);
    const compressed = fresh.filter((f) => COMPRESSED.test(f.name)).map((f) => f.name);
    // Said once per start: a compressed copy already named as the old file's is not a second gap.
    if (compressed.length > 0 && !this.gapSaid) this.lost('rotated_file_missing', path.join(dir, compressed[0]!), 0, compressed);
    for (const f of fresh.filter((x) => !COMPRESSED.test(x.name))) {
      const full = path.join(dir, f.name);
      const fh = await openSame(full, f);
      if (fh) this.follow(await this.openFile(fh, full, f, 0), 'a sibling written while the monitor was down', true);
    }
  }

  /**
   * The file at the path was emptied in place (copytruncate). Read, in order: the rest of what we
   * were reading, from its copy; copies of files that were at the path in between (truncated again
   * before we looked), oldest first; then the file from its start. A line cut in two by a
   * truncation goes on in the next file, and is handed on whole. Siblings are held open while this
   * is worked out: logrotate shifting `.1` to `.2` meanwhile cannot hide one from us.
   */
  private async truncated(cur: OpenFile): Promise<void> {
    this.events.rotation?.('truncate');
    const since = this.generationAt;
    this.generationAt = Date.now();
    const { held, now } = await this.siblingsThenPeek(cur);
    try {
      // What the file holds now, peeked after the listing: a copy of it (being made, or made for a
      // truncation still to come) is no file in between; it is read from the file itself.
      const committed = cur.splitter.committed;
      const id = identityOf(cur);
      let copy: HeldFile | undefined;
      for (const h of [...held].sort((a, b) => b.mtimeMs - a.mtimeMs)) {
        if (!this.unaccounted(h) || COMPRESSED.test(h.path) || h.size < Math.max(committed, cur.check?.at ?? 0)) continue;
        if (h.first.length < id.headLength || hashOf(h.first.subarray(0, id.headLength)) !== id.head) continue;
        if (!(await checkHolds(h.fh, cur.check).catch(() => false))) continue;
        copy = h;
        break;
      }
      // None holds all we read: the board wrote between logrotate's copy and its truncation, and we
      // read that from the file. The copy ends before where we were; there is nothing in it to read,
      // and it is no file in between (read again from its start, with a false gap, in a trial).
      let short: HeldFile | undefined;
      if (!copy) {
        for (const h of [...held].sort((a, b) => b.mtimeMs - a.mtimeMs)) {
          if (!this.unaccounted(h) || COMPRESSED.test(h.path) || h.size >= committed) continue;
          if (await endsAsRead(h, cur).catch(() => false)) { short = h; break; }
        }
      }
      if (short) this.consume(short);
      let carry: Buffer | undefined;
      if (copy) {
        this.recovered(copy.path, committed, 'the copy of the file truncated in place');
        // It goes on from the last complete line: a line cut by the truncation is read whole from it.
        // A line carried into the file from the copy before (not read on yet) goes on in this copy.
        carry = await this.readHeld(copy, committed, { ...id, check: cur.check }, cur.splitter.takeCarried());
      } else {
        carry = cur.splitter.takePending();
      }
      const fresh = held.filter((h) => h !== copy && h !== short && this.unaccounted(h) && h.mtimeMs >= since - 1000 && h.size > 0 && this.startAt(h) !== undefined);
      const deferred = new Set(fresh.filter((h) => !COMPRESSED.test(h.path) && startsAlike(h.first, now)));
      let between = 0;
      for (const h of fresh.filter((x) => !COMPRESSED.test(x.path) && !deferred.has(x)).sort((a, b) => a.mtimeMs - b.mtimeMs)) {
        const from = this.startAt(h)!;
        this.recovered(h.path, from, from > 0 ? 'a rotated file written to again' : 'a copy of the file truncated again before it was read');
        carry = await this.readHeld(h, from, undefined, carry);
        between++;
      }
      if (!copy && !short) {
        // No copy of what we had not read, but one compressed since, or later copies (so this one was
        // made, then deleted): the unread tail is gone, said (a trial lost it silently).
        const gone = await this.freshNames(fresh.filter((h) => COMPRESSED.test(h.path)).map((h) => path.basename(h.path)), committed);
        if (gone.length > 0 || between > 0) this.lost('rotated_file_missing', cur.path, committed, gone);
      }
      this.accounted = new Set(held.filter((h) => !deferred.has(h)).map(keyOf));
      cur.position = 0;
      cur.splitter = this.splitterFor(0);
      cur.splitter.carryIn(carry);
      cur.carried = carry;
      cur.known = now;
      cur.head = { length: now.length, hash: hashOf(now) };
      cur.check = undefined;
      cur.tail = undefined;
      cur.recent = undefined;
      cur.marks = undefined;
      this.lookAgain = true;
    } finally {
      for (const h of held) await h.fh.close().catch(() => {});
    }
  }

  /**
   * After a truncation, once the file has been read from its start: copies made between the
   * listing and that read (the file truncated again meanwhile) are read now, late rather than
   * never. A copy of what the file holds is left for its truncation to find.
   */
  private async copiesMadeMeanwhile(cur: OpenFile): Promise<void> {
    // Truncated again already (even before its first read: the first bytes looked at are gone): the
    // next pass finds its copy, and reads these after it, in order (a trial read a later copy first).
    if (!(await unchanged(cur))) return;
    const { held, now } = await this.siblingsThenPeek(cur);
    try {
      // The listing takes a while with many siblings: truncated again meanwhile, a copy of it is among
      // them, and later copies would be read before it (a trial's 40 quick rotations did so). Left to
      // the next pass's truncation, which reads them all in order.
      if (!(await unchanged(cur))) return;
      const known = cur.known ?? Buffer.alloc(0);
      const fresh = held.filter((h) => this.unaccounted(h) && !COMPRESSED.test(h.path) && h.mtimeMs >= this.generationAt - 1000 && h.size > 0 && this.startAt(h) !== undefined);
      // A line cut by a truncation goes on in the next file read: through these copies, then into the
      // file when nothing of it was read yet. (A copy's unterminated last line was dropped: a trial
      // lost one line so.)
      const first = cur.position === 0;
      let carry = first ? cur.splitter.takePending() : undefined;
      for (const h of fresh.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
        if (startsAlike(h.first, now)) continue;
        // Begins as what we read: a copy of it unless the bytes before where we are differ (one too short to tell is left).
        if (startsAlike(h.first, known) && (!cur.check || h.size < cur.check.at || (await checkHolds(h.fh, cur.check).catch(() => true)))) continue;
        const from = this.startAt(h)!;
        this.recovered(h.path, from, from > 0 ? 'a rotated file written to again' : 'a copy of the file truncated again before it was read');
        carry = await this.readHeld(h, from, undefined, carry);
        this.accounted.add(keyOf(h));
      }
      if (first) {
        cur.splitter.carryIn(carry);
        cur.carried = carry;
      }
      else if (carry) this.handOn(carry);
      // Nothing read of it yet: what was peeked is what the copies were told from, so it is what the
      // read must find (else it was truncated again, and its copy is found by these bytes).
      if (cur.position === 0 && now.length > (cur.known?.length ?? 0)) {
        cur.known = now;
        cur.head = { length: now.length, hash: hashOf(now) };
      }
    } finally {
      for (const h of held) await h.fh.close().catch(() => {});
    }
  }

  /** The first bytes of the file at the path as it is now (fewer than HEAD_BYTES in a short file; none if emptied meanwhile). */
  private async peek(cur: OpenFile): Promise<Buffer> {
    const size = (await cur.fh.stat()).size;
    return (await firstBytes(cur.fh, Math.min(HEAD_BYTES, size))) ?? Buffer.alloc(0);
  }

  /** Not read to its end already, not followed, not accounted for by the last truncation. */
  /**
   * Where to read a sibling from: a rotated file let go after rotate_wait and written to since is
   * read on from where it was (a chaos run read one again from its start as a copy never seen);
   * undefined when nothing is new in it.
   */
  private startAt(h: HeldFile): number | undefined {
    const was = this.released.get(`${h.dev}:${h.ino}`);
    if (!was || h.first.length < was.head.length || hashOf(h.first.subarray(0, was.head.length)) !== was.head.hash) return 0;
    return h.size > was.position ? was.position : undefined;
  }

  /** The keys of the rotated siblings there now. */
  private async siblingKeys(): Promise<Set<string>> {
    const dir = path.dirname(this.rotatedBeside);
    const keys = new Set<string>();
    for (const name of await this.siblingNames()) {
      const st = await stat(path.join(dir, name)).catch(() => undefined);
      if (st?.isFile()) keys.add(keyOf(st));
    }
    return keys;
  }

  private unaccounted(h: HeldFile): boolean {
    const id = `${h.dev}:${h.ino}`;
    if (this.consumed.get(id) === h.mtimeMs || this.accounted.has(keyOf(h))) return false;
    return ![...this.rotated, ...(this.current ? [this.current] : [])].some((f) => f.dev === h.dev && f.ino === h.ino);
  }

  /**
   * Reads a held copy from `from` to its end, a line carried in first; returns its unterminated
   * last line, which goes on in the next file. Nobody writes to a copy: it is read once.
   */
  private async readHeld(h: HeldFile, from: number, id?: FileIdentity & Pick<FileOffset, 'check'>, carry?: Buffer): Promise<Buffer | undefined> {
    const f = {
      fh: h.fh, position: from, splitter: this.splitterFor(from), known: h.first,
      head: id ? { length: id.headLength, hash: id.head } : { length: h.first.length, hash: hashOf(h.first) },
      ...(id?.check ? { check: id.check } : {}),
    };
    f.splitter.carryIn(carry);
    await this.drain(f);
    // Its time now, not when listed: a copy still being made when listed was finished since (the file
    // was truncated after it), and its time then would take it for another file later.
    const st = await h.fh.stat().catch(() => undefined);
    if (st) h.mtimeMs = st.mtimeMs;
    this.consume(h);
    const was = this.released.get(`${h.dev}:${h.ino}`);
    if (was && from > 0) was.position = f.position;
    return f.splitter.takePending();
  }

  /**
   * Every rotated sibling, opened (compressed ones too, for what a gap says): the listing is taken
   * again until it names no file not yet held, so a file moved from a name not yet read to one
   * already read is not missed.
   */
  private async heldSiblings(held = new Map<string, HeldFile>()): Promise<HeldFile[]> {
    for (let round = 0; round < 10; round++) if (!(await this.holdMore(held))) break;
    return [...held.values()];
  }

  /** One listing: opens the siblings not held yet; whether it found any. */
  private async holdMore(held: Map<string, HeldFile>): Promise<boolean> {
    const dir = path.dirname(this.rotatedBeside);
    let added = false;
    for (const name of await this.siblingNames()) {
      const full = path.join(dir, name);
      const fh = await open(full, 'r').catch(() => undefined);
      if (!fh) continue;
      const st = await fh.stat().catch(() => undefined);
      if (!st?.isFile() || held.has(`${st.dev}:${st.ino}`)) { await fh.close().catch(() => {}); continue; }
      const first = (await firstBytes(fh, Math.min(HEAD_BYTES, st.size)).catch(() => undefined)) ?? Buffer.alloc(0);
      held.set(`${st.dev}:${st.ino}`, { fh, path: full, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, first });
      added = true;
    }
    return added;
  }

  /**
   * The siblings, held, and what the file at the path holds now, peeked after a listing that found
   * nothing new: the copy of a file truncated while the siblings were being listed (a slow listing
   * of forty copies, logrotate run twice meanwhile) is among them, and is read before the file now
   * there, not after it (a trial read it late: its failure line fell into a later episode).
   */
  private async siblingsThenPeek(cur: OpenFile): Promise<{ held: HeldFile[]; now: Buffer }> {
    const held = new Map<string, HeldFile>();
    try {
      await this.heldSiblings(held);
      // Peek, then list again: a listing after the peek that finds nothing new holds every copy made
      // before it, so every file that was at the path before what was peeked. (Listing last was not
      // enough: logrotate every 65 ms outran five rounds of a slow listing, the last peek came after
      // a copy the last listing had not seen, and that copy was read late, out of order: a trial.)
      let now = await this.peek(cur);
      // Bounded; the last step is a listing, so what is held is never older than what was peeked.
      for (let round = 0; round < 5; round++) {
        if (!(await this.holdMore(held)) || round === 4) break;
        now = await this.peek(cur);
      }
      // A copy being made when it was listed (empty, or half copied) was finished before the file was
      // truncated: as it is now, it is told by its first bytes and its time (a trial read one late).
      for (const h of held.values()) {
        const st = await h.fh.stat().catch(() => undefined);
        if (!st || (st.size === h.size && st.mtimeMs === h.mtimeMs)) continue;
        h.size = st.size;
        h.mtimeMs = st.mtimeMs;
        if (h.first.length < HEAD_BYTES) h.first = (await firstBytes(h.fh, Math.min(HEAD_BYTES, st.size)).catch(() => undefined)) ?? h.first;
      }
      return { held: [...held.values()], now };
    } catch (e) {
      for (const h of held.values()) await h.fh.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Siblings written since the last pass that no file we follow or finished is: files that were
   * at the path between two rename rotations this pass saw as one (renamed twice in less than a
   * pass). Read whole, oldest first, before the current file, and followed (a writer may still
   * append to one). A copy of the file renamed away (the same first bytes) is not one of them.
   */
  private async readInBetween(old: FileIdentity, attempt = 0): Promise<void> {
    const dir = path.dirname(this.rotatedBeside);
    const known = new Set([...this.rotated, ...(this.current ? [this.current] : [])].map((f) => `${f.dev}:${f.ino}`));
    const found: Array<{ name: string; st: { dev: number; ino: number; size: number; mtimeMs: number } }> = [];
    for (const name of await this.siblingNames()) {
      if (COMPRESSED.test(name)) continue;
      const st = await stat(path.join(dir, name)).catch(() => undefined);
      // A second of slack: a file system's times may be coarser than the clock that set lastLook.
      if (!st?.isFile() || st.size === 0 || st.mtimeMs < this.lastLook - 1000 || known.has(`${st.dev}:${st.ino}`)) continue;
      if (this.consumed.get(`${st.dev}:${st.ino}`) === st.mtimeMs) continue;
      found.push({ name, st });
    }
    found.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs);
    let moved = false;
    for (const { name, st } of found) {
      const full = path.join(dir, name);
      const fh = await openSame(full, st);
      if (!fh) { moved = true; continue; }
      if (old.headLength > 0 && (await headOf(fh, old.headLength)) === old.head) { await fh.close().catch(() => {}); continue; }
      const was = this.released.get(`${st.dev}:${st.ino}`);
      const from = was && st.size >= was.position && (await headOf(fh, was.head.length)) === was.head.hash ? was.position : 0;
      // Read now, so that its lines come before the current file's in this pass.
      await this.drain(this.follow(await this.openFile(fh, full, st, from), from > 0 ? 'a rotated file written to again' : 'a file rotated away before it was read'));
    }
    // A rotation moved a file onto another's name while we read (logrotate shifting .1 to .2 to
    // ...): the names are listed again; what was read is followed or consumed by now.
    if (moved && attempt < 5) await this.readInBetween(old, attempt + 1);
  }

  /**
   * Of these compressed siblings, those written since the last pass that may hold more than the
   * `read` bytes already read (a gzip file says its size in its last four bytes; others cannot tell).
   */
  private async freshNames(names: string[], read: number): Promise<string[]> {
    const dir = path.dirname(this.rotatedBeside);
    const out: string[] = [];
    for (const n of names) {
      const full = path.join(dir, n);
      const st = await stat(full).catch(() => undefined);
      if (!st || st.mtimeMs < this.lastLook - 1000) continue;
      if (/\.gz$/i.test(n) && st.size >= 18) {
        const fh = await open(full, 'r').catch(() => undefined);
        const buf = Buffer.alloc(4);
        if (fh) { await fh.read(buf, 0, 4, st.size - 4).catch(() => undefined); await fh.close().catch(() => {}); }
        if (fh && read < 2 ** 32 && buf.readUInt32LE(0) <= read) continue; // all of it was read already
      }
      out.push(n);
    }
    return out;
  }

  private consume(st: { dev: number; ino: number; mtimeMs: number }): void {
    this.consumed.set(`${st.dev}:${st.ino}`, st.mtimeMs);
    if (this.consumed.size > 32) this.consumed.delete(this.consumed.keys().next().value!);
  }

  private recovered(file: string, from: number, what: string): void {
    this.events.info?.({ source: this.name, file, from_byte: from }, `reading ${what} from byte ${from}`);
  }

  /**
   * Reads a recovered file before the current one, from where it stands, and says so;
   * `finished`: nobody writes to it any more (a copy), so it is let go once read.
   */
  private follow(f: Omit<OpenFile, 'grewAt'>, what: string, finished = false): OpenFile {
    this.recovered(f.path, f.position, what);
    const followed = { ...f, grewAt: finished ? 0 : Date.now() };
    this.rotated.push(followed);
    return followed;
  }

  private lost(reason: 'rotated_file_missing' | 'truncated_while_down', file: string, from: number, compressed: string[]): void {
    this.gapSaid = true;
    this.events.gap?.({
      reason, file, from,
      detail: compressed.length > 0
        ? `its rotated copy is compressed (${compressed.slice(0, 3).join(', ')}) and cannot be read`
        : 'no rotated copy of it was found beside it',
    });
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
    // Never seen: start at its end, unless asked. A file that appears while we wait, or replaces a rotated one, is all new.
    const position = afterRotation || this.appeared ? 0 : this.cfg.from === 'beginning' ? 0 : st.size;
    this.current = await this.openFile(fh, this.file, st, position);
    // Empty: if it is copytruncated before its first read, its copy cannot be told by what we had
    // read (nothing); copies that appear from now on are of it, and are read first.
    if (!afterRotation && this.current.known?.length === 0) this.lookAgain = true;
  }

  /**
   * A file to follow from `position`. Its first bytes are hashed now, before anything is
   * read: a file truncated and written again before our first read is told from the one
   * we opened (and its copy found), not read from the middle.
   */
  private async openFile(fh: FileHandle, file: string, st: { dev: number; ino: number; size: number }, position: number, known?: FileIdentity): Promise<OpenFile> {
    this.events.up(true);
    if (file === this.file) {
      const resolved = await realpath(file).catch(() => undefined);
      if (resolved !== undefined) this.real = resolved;
      const real = resolved ?? file;
      this.target = real === file ? undefined : path.dirname(real) === path.dirname(file) ? path.basename(real) : null;
    }
    // The head resume has just checked is the file's identity; hashed again now, it could be of a
    // file emptied in between. A file emptied before its head was read has none yet (updateHead sets it).
    const first = await firstBytes(fh, known ? known.headLength : Math.min(HEAD_BYTES, st.size));
    if (known) {
      // Its first bytes are what the identity hashed (resume checked them): they may grow the head.
      const same = first !== undefined && hashOf(first) === known.head;
      return { fh, path: file, dev: st.dev, ino: st.ino, position, splitter: this.splitterFor(position), head: { length: known.headLength, hash: known.head }, known: same ? first : undefined, grewAt: Date.now() };
    }
    const head = first === undefined ? undefined : { length: first.length, hash: hashOf(first) };
    return { fh, path: file, dev: st.dev, ino: st.ino, position, splitter: this.splitterFor(position), head, known: first, grewAt: Date.now() };
  }

  /**
   * A copy of the saved file shorter than the saved offset (logrotate copied before we read to the
   * offset): its first bytes are the file's, and a saved mark within it holds. Nothing in it is unread.
   */
  private async shortCopyOf(saved: FileOffset): Promise<{ dev: number; ino: number; mtimeMs: number } | undefined> {
    const marks = savedMarks(saved);
    if (marks.length === 0 || saved.headLength === 0) return undefined;
    const dir = path.dirname(this.rotatedBeside);
    for (const name of (await this.siblingNames()).filter((n) => !COMPRESSED.test(n))) {
      const full = path.join(dir, name);
      const st = await stat(full).catch(() => undefined);
      if (!st?.isFile() || st.size >= saved.offset || st.size < saved.headLength) continue;
      const mark = [...marks].reverse().find((k) => k.at <= st.size);
      if (!mark) continue;
      const fh = await openSame(full, st);
      if (!fh) continue;
      try {
        if ((await headOf(fh, saved.headLength)) === saved.head && (await checkHolds(fh, mark))) {
          this.recovered(full, st.size, 'the copy of the file truncated while the monitor was down (read to its end before)');
          return { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs };
        }
      } finally {
        await fh.close().catch(() => {});
      }
    }
    return undefined;
  }

  /**
   * A file that was `id`, now under another name in the same directory: the same inode
   * (renamed), or failing that a copy with the same first bytes and at least `minSize`
   * bytes (copytruncate). Names of compressed siblings come back for the message.
   */
  private async findSibling(id: FileIdentity & Pick<FileOffset, 'check'>, minSize: number, except?: string, attempt = 0): Promise<{ file?: Omit<OpenFile, 'grewAt'>; compressed: string[] }> {
    const dir = path.dirname(this.rotatedBeside);
    let all: string[];
    try {
      all = (await readdir(dir)).slice(0, MAX_SIBLINGS);
    } catch {
      return { compressed: [] };
    }
    const related = await this.siblingNames(all);
    let moved = false;
    const tryOpen = async (name: string, byInode: boolean): Promise<Omit<OpenFile, 'grewAt'> | undefined> => {
      const full = path.join(dir, name);
      if (full === except) return undefined;
      const st = await stat(full).catch(() => undefined);
      if (!st?.isFile() || st.size < Math.max(minSize, id.check?.at ?? 0)) return undefined;
      if (byInode && (st.dev !== id.dev || st.ino !== id.ino)) return undefined;
      const fh = await openSame(full, st);
      if (!fh) { moved = true; return undefined; }
      const first = await firstBytes(fh, id.headLength).catch(() => undefined);
      const same = first !== undefined && hashOf(first) === id.head && (await checkHolds(fh, id.check).catch(() => false));
      if (!same) { await fh.close().catch(() => {}); return undefined; }
      return { fh, path: full, dev: st.dev, ino: st.ino, position: minSize, splitter: this.splitterFor(minSize), head: { length: id.headLength, hash: id.head }, known: first, ...(id.check ? { check: id.check } : {}) };
    };
    // The same inode anywhere in the directory; then copies with the same bytes, the newest first
    // (dated names sort oldest first, and copies of a file that always begins alike share first bytes).
    for (const name of all) {
      const f = await tryOpen(name, true);
      if (f) return { file: f, compressed: [] };
    }
    const mtimes = new Map<string, number>();
    for (const name of related) mtimes.set(name, (await stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0);
    for (const name of related.filter((n) => !COMPRESSED.test(n)).sort((a, b) => mtimes.get(b)! - mtimes.get(a)!)) {
      const f = await tryOpen(name, false);
      if (f) return { file: f, compressed: [] };
    }
    // A rotation moved files between our listing and our opening: list them again.
    if (moved && attempt < 5) return this.findSibling(id, minSize, except, attempt + 1);
    return { compressed: related.filter((n) => COMPRESSED.test(n)) };
  }

  /**
   * The names logrotate and its kin give the file's rotations: `foglet.log.1`,
   * `foglet.log-20261130`, `foglet.log.2.gz`, `foglet-20261130.log`; not another log that
   * merely begins alike (`foglet-error.log`).
   */
  private async siblingNames(names?: string[]): Promise<string[]> {
    const dir = path.dirname(this.rotatedBeside);
    const base = path.basename(this.rotatedBeside);
    const stem = base.replace(/\.[^.]*$/, '');
    const ext = base.slice(stem.length);
    const list = names ?? (await readdir(dir).catch(() => [] as string[])).slice(0, MAX_SIBLINGS);
    // A number or a date after the name (and a compressor's suffix), nothing else: `foglet.log.bak`, a backup
    // tool's `foglet.log.backup`, an editor's `.swp` or `foglet.log-old` are not rotations, and were read as such.
    return list.filter((n) => n !== base && ((n.startsWith(base) && ROTATED_SUFFIX.test(n.slice(base.length)))
      || (ext !== '' && n.startsWith(stem) && n.slice(stem.length).endsWith(ext) && ROTATED_SUFFIX.test(n.slice(stem.length, -ext.length)))
      || (ext !== '' && n.startsWith(stem) && COMPRESSED.test(n) && ROTATED_SUFFIX.test(n.slice(stem.length).replace(COMPRESSED, '').slice(0, -ext.length)) && n.slice(stem.length).replace(COMPRESSED, '').endsWith(ext))));
  }

  private async letGo(r: OpenFile): Promise<void> {
    r.splitter.end();
    await r.fh.close().catch(() => {});
    this.rotated = this.rotated.filter((x) => x !== r);
    // A writer that goes on writing to it later: what it adds is read from here, not the whole file again.
    if (r.head) {
      this.released.set(`${r.dev}:${r.ino}`, { position: r.position, head: r.head });
      if (this.released.size > 32) this.released.delete(this.released.keys().next().value!);
    }
  }

  /** A file resumed from offset 0 gets back the start of its first line that the state kept (`carry`). */
  private carryInto<F extends Pick<OpenFile, 'splitter' | 'position'> & { carried?: Buffer }>(f: F, saved: { offset: number; carry?: string }): F {
    if (f.position !== 0 || saved.offset !== 0 || typeof saved.carry !== 'string') return f;
    const carry = Buffer.from(saved.carry, 'base64').subarray(0, this.maxLineBytes);
    if (carry.length === 0) return f;
    f.splitter.carryIn(carry);
    f.carried = carry;
    return f;
  }

  /** An unterminated line with nothing left to go on in: handed on as it is. */
  private handOn(line: Buffer): void {
    const s = this.splitterFor(0);
    s.carryIn(line);
    s.end();
  }

  private splitterFor(offset: number): LineSplitter {
    const before = { cut: 0 };
    const splitter: LineSplitter = new LineSplitter(this.maxLineBytes, (line, bytes, clean) => {
      if (splitter.cut !== before.cut) { this.sink.cut(splitter.cut - before.cut); before.cut = splitter.cut; }
      this.sink.line(line, bytes, clean);
    }, offset, this.sink.bulk);
    return splitter;
  }

  /** Reads what is new; returns how many bytes. */
  private async drain(f: Pick<OpenFile, 'fh' | 'position' | 'splitter' | 'known' | 'check' | 'head' | 'tail'>): Promise<number> {
    const buf = Buffer.allocUnsafe(CHUNK);
    let total = 0;
    for (;;) {
      const { bytesRead } = await f.fh.read(buf, 0, CHUNK, f.position);
      if (bytesRead === 0) return total;
      // The file at the path may have been emptied and written again since the pass looked (a
      // copytruncate now): then these bytes may be the new file's, read from where the old one
      // was, and were once handed on as a line. Not handed on: the next pass finds the
      // truncation, and reads them from the copy or the new file.
      if (f === this.current && !(await unchanged(this.current))) {
        this.pollSoon();
        return total;
      }
      // What the board wrote to a renamed file before it reopened the path (logrotate signals it after
      // the rename) is older than anything in the new file: read now, before these bytes, which it
      // wrote later (a trial read such lines after the new file's, and a failure line fell into a
      // later episode). A copy (nobody writes to it) is not looked at again.
      if (f === this.current) {
        for (const r of [...this.rotated]) if (r.grewAt > 0 && (await this.drain(r)) > 0) r.grewAt = Date.now();
      }
      this.lastRead = f;
      total += bytesRead;
      const start = f.position;
      f.position += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      f.splitter.push(chunk);
      noteRead(f, start, chunk);
      if (f === this.current) keepRecent(this.current, start, chunk);
      if (!this.running && bytesRead < CHUNK) return total;
    }
  }

  /** The head longer as more is read (up to HEAD_BYTES), never shorter, from the bytes as they were read. */
  private updateHead(): void {
    for (const f of [this.current, ...this.rotated]) {
      if (!f) continue;
      const length = Math.min(HEAD_BYTES, Math.max(f.splitter.committed, f.head?.length ?? 0));
      if ((!f.head || f.head.length < length) && f.known && f.known.length >= length) f.head = { length, hash: hashOf(f.known.subarray(0, length)) };
    }
  }

  /**
   * The current file and every rotated one still followed, each at what was matched:
   * the bytes of an event still waiting for its continuation lines are read again
   * after a crash, not lost with it.
   */
  private saveOffset(): void {
    const cur = this.current;
    const unsettled = this.sink.unsettledBytes?.() ?? 0;
    // The event still waiting came from the file read last: its offset stops before that event.
    const settledOf = (f: OpenFile) => (f === this.lastRead ? Math.max(0, f.splitter.committed - unsettled) : f.splitter.committed);
    const rotated = this.rotated.filter((r) => r.head).map((r) => {
      const offset = settledOf(r);
      const check = checkFor(r, offset);
      return { ...identityOf(r), offset, path: r.path, ...(check ? { check } : {}), ...(r.grewAt === 0 ? { copy: true } : {}), ...carryAt(r, offset) };
    });
    let next: FileOffset;
    if (cur?.head) {
      const offset = settledOf(cur);
      const check = checkFor(cur, offset);
      const marks = marksToSave(cur.marks ?? [], offset, check);
      next = { ...identityOf(cur), offset, ...(check ? { check } : {}), ...(marks.length > 0 ? { marks } : {}), ...carryAt(cur, offset) };
    } else if (this.resumed && this.running) {
      // No file at the path now (rotated away, not yet replaced): the next start takes any file there as new.
      next = { dev: 0, ino: 0, head: '', headLength: 0, offset: 0, gone: true };
    } else {
      return;
    }
    if (rotated.length > 0) next.rotated = rotated;
    // An idle file is polled: write the state file only when something moved.
    const key = JSON.stringify(next);
    if (key === this.lastSaved) return;
    this.lastSaved = key;
    this.offsets.set(this.name, { ...next, savedAt: Date.now() });
  }

  get reading(): boolean {
    return this.busy;
  }

  settled(): void {
    if (!this.busy) this.saveOffset(); // a pass in progress saves at its end
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.pass;
    this.sink.idle();
    this.updateHead();
    this.saveOffset();
    for (const f of [this.current?.fh, ...this.rotated.map((r) => r.fh)]) await f?.close().catch(() => {});
    this.current = undefined;
    this.rotated = [];
    this.events.up(false);
  }
}

/** When the saved file's rotated file (found by findSibling, held open) was last written. */
async function madeAt(fh: FileHandle | undefined): Promise<number | undefined> {
  return fh ? (await fh.stat().catch(() => undefined))?.mtimeMs : undefined;
}

/** What a state keeps of a line carried into a file: only at offset 0, where reading again needs it. */
function carryAt(f: Pick<OpenFile, 'carried'>, offset: number): { carry?: string } {
  return offset === 0 && f.carried && f.carried.length > 0 ? { carry: f.carried.toString('base64') } : {};
}

/** A sibling's key across renames: an inode reused by a new file has another modification time. */
function keyOf(h: { dev: number; ino: number; mtimeMs: number }): string {
  return `${h.dev}:${h.ino}:${h.mtimeMs}`;
}

/** Both begin with the same bytes, as far as the shorter goes (and neither is empty). */
function startsAlike(a: Buffer, b: Buffer): boolean {
  const n = Math.min(a.length, b.length);
  return n > 0 && a.subarray(0, n).equals(b.subarray(0, n));
}

function identityOf(f: Pick<OpenFile, 'dev' | 'ino' | 'head'>): FileIdentity {
  return { dev: f.dev, ino: f.ino, head: f.head?.hash ?? hashOf(Buffer.alloc(0)), headLength: f.head?.length ?? 0 };
}

/** Whether the bytes we hashed (its first ones, and those before where we were) are as they were: else it was truncated and written again. */
async function unchanged(f: OpenFile): Promise<boolean> {
  if (f.head && f.head.length > 0 && (await headOf(f.fh, f.head.length)) !== f.head.hash) return false;
  return checkHolds(f.fh, f.check);
}

/** Whether the bytes that `check` hashed are still the same in this file. */
async function checkHolds(fh: FileHandle, check: FileOffset['check']): Promise<boolean> {
  if (!check) return true;
  return (await bytesHash(fh, check.at - CHECK_BYTES, CHECK_BYTES)) === check.hash;
}

/**
 * The hash of `length` bytes from `from`; undefined when fewer are there (the file was emptied
 * since its size was read): a hash of what is left would be taken for the file's identity, and
 * its copy would then not be recognised (the chaos test lost lines to that once in a few hundred starts).
 */
async function bytesHash(fh: FileHandle, from: number, length: number): Promise<string | undefined> {
  const buf = await bytesAt(fh, from, length);
  return buf && hashOf(buf);
}

async function headOf(fh: FileHandle, length: number): Promise<string | undefined> {
  return bytesHash(fh, 0, length);
}

/**
 * Opens `file` only if it is still the file `st` was: a rotation may have moved another onto the
 * name since it was listed (a trial's five quick renames: a file read twice, another never).
 */
async function openSame(file: string, st: { dev: number; ino: number }): Promise<FileHandle | undefined> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return undefined;
  const now = await fh.stat().catch(() => undefined);
  if (now && now.dev === st.dev && now.ino === st.ino) return fh;
  await fh.close().catch(() => {});
  return undefined;
}

/** `length` bytes from `from`, or undefined when fewer are there (the file was emptied meanwhile). */
async function bytesAt(fh: FileHandle, from: number, length: number): Promise<Buffer | undefined> {
  const buf = Buffer.alloc(length);
  if (length === 0) return buf;
  const { bytesRead } = await fh.read(buf, 0, length, from);
  return bytesRead < length ? undefined : buf;
}

/** A file's first `length` bytes, or undefined when fewer are there. */
function firstBytes(fh: FileHandle, length: number): Promise<Buffer | undefined> {
  return bytesAt(fh, 0, length);
}

/**
 * What a read showed of a file, kept as its identity: its first bytes, and the CHECK_BYTES before
 * where its last complete line ends. Taken from the bytes read, not read again later: by then the
 * file may be another (emptied and written again to the same size).
 */
function noteRead(f: Pick<OpenFile, 'splitter' | 'known' | 'check' | 'tail'>, start: number, chunk: Buffer): void {
  const known = f.known?.length;
  if (known !== undefined && known < HEAD_BYTES && start <= known && start + chunk.length > known) {
    f.known = Buffer.concat([f.known!, chunk.subarray(known - start, Math.min(chunk.length, HEAD_BYTES - start))]);
  }
  // The bytes before the end of what was read, across reads (a line at a time is shorter than CHECK_BYTES).
  const end = start + chunk.length;
  const tail = f.tail && f.tail.length > 0 ? Buffer.concat([f.tail.subarray(-CHECK_BYTES), chunk.subarray(-CHECK_BYTES)]) : chunk;
  f.tail = Buffer.from(tail.subarray(-CHECK_BYTES));
  const at = f.splitter.committed;
  if (f.check?.at === at) return;
  if (at === end && f.tail.length === CHECK_BYTES) f.check = { at, hash: hashOf(f.tail) };
  else if (at - CHECK_BYTES >= start && at <= end) f.check = { at, hash: hashOf(chunk.subarray(at - CHECK_BYTES - start, at - start)) };
}

/**
 * A check for an offset saved: the last one taken, when it is not past it; else the bytes before the
 * offset, from those kept; else the last mark before it. The offset stops before an event still
 * waiting for more lines, so the last check is usually past it: with none saved, a file that
 * always begins alike (a boot banner longer than the head), emptied and written past the offset
 * while the monitor was down, was taken for the same file and read on from the middle (a trial).
 */
function checkFor(f: OpenFile, offset: number): FileOffset['check'] {
  if (f.check && f.check.at <= offset) return f.check;
  const recent = f.recent;
  const start = f.position - (recent?.length ?? 0);
  if (recent && offset >= CHECK_BYTES && offset - CHECK_BYTES >= start && offset <= f.position) {
    return { at: offset, hash: hashOf(recent.subarray(offset - CHECK_BYTES - start, offset - start)) };
  }
  return [...(f.marks ?? [])].reverse().find((k) => k.at <= offset);
}

/**
 * The last RECENT_BYTES read of the file at the path, kept across reads, and its marks: checks at
 * fixed places (1, 2, 4 and 8 KB, then every MARK_SPACING), taken from the bytes as read, wherever a
 * read's chunk ends. Marks taken only where a read ended left none within a short copy when one
 * read was long (a kill -9 trial: 36,000 bytes read at once, a copy of 28,000, and a false gap).
 */
function keepRecent(f: OpenFile, start: number, chunk: Buffer): void {
  const was = f.recent ?? Buffer.alloc(0);
  // The bytes just before the chunk: a mark's CHECK_BYTES may begin in the read before.
  const before = was.subarray(Math.max(0, was.length - CHECK_BYTES));
  const marks = (f.marks ??= []);
  for (let at = nextMark(Math.max(start, marks[marks.length - 1]?.at ?? 0)); at <= start + chunk.length; at = nextMark(at)) {
    const from = at - CHECK_BYTES - (start - before.length);
    if (from < 0) continue; // the bytes before it were not kept (read before this file was followed from its start)
    const bytes = from >= before.length ? chunk.subarray(from - before.length, at - start) : Buffer.concat([before.subarray(from), chunk.subarray(0, at - start)]);
    marks.push({ at, hash: hashOf(bytes) });
    if (marks.length > MARKS) marks.shift();
  }
  if (chunk.length >= RECENT_BYTES) { f.recent = Buffer.from(chunk.subarray(-RECENT_BYTES)); return; }
  f.recent = Buffer.concat([was.subarray(Math.max(0, was.length + chunk.length - RECENT_BYTES)), chunk]);
}

/** The marks of a state file: only well-formed ones, before the offset, in order. */
function savedMarks(saved: FileOffset): Array<{ at: number; hash: string }> {
  return (Array.isArray(saved.marks) ? saved.marks : [])
    .filter((k) => Number.isSafeInteger(k?.at) && k.at >= CHECK_BYTES && k.at <= saved.offset && typeof k.hash === 'string')
    .map((k) => ({ at: k.at, hash: k.hash }))
    .sort((a, b) => a.at - b.at);
}

/** The place of the next mark after `at`: 1, 2, 4, 8 KB, then every MARK_SPACING. */
function nextMark(at: number): number {
  for (const small of SMALL_MARKS) if (at < small) return small;
  return (Math.floor(at / MARK_SPACING) + 1) * MARK_SPACING;
}

/**
 * The marks a state file keeps: the last few before the offset, then farther apart, and the
 * first: a copy can end anywhere before the offset (logrotate's copy, fsynced while the board
 * writes on), and one mark within it, near its end, tells it at the next start.
 */
function marksToSave(marks: Array<{ at: number; hash: string }>, offset: number, check?: { at: number }): Array<{ at: number; hash: string }> {
  const before = marks.filter((k) => k.at <= offset && k.at !== check?.at);
  const picked = new Set<number>();
  for (let back = 1; back <= before.length && picked.size < SAVED_MARKS - 1; back = back < 4 ? back + 1 : back * 2) picked.add(before.length - back);
  if (before.length > 0) picked.add(0);
  return [...picked].sort((a, b) => a - b).map((i) => before[i]!);
}

/**
 * Whether `h` is a copy of the first `h.size` bytes of what we read of `cur`: it begins as `cur`
 * began, and its last bytes (up to CHECK_BYTES) are those we read at that offset.
 */
async function endsAsRead(h: HeldFile, cur: OpenFile): Promise<boolean> {
  const recent = cur.recent;
  if (!recent || h.size === 0 || h.size > cur.position) return false;
  const known = cur.known ?? Buffer.alloc(0);
  const m = Math.min(h.first.length, known.length, h.size);
  if (m === 0 && h.size > CHECK_BYTES) return false;
  if (!h.first.subarray(0, m).equals(known.subarray(0, m))) return false;
  if (cur.head && h.size >= cur.head.length && h.first.length >= cur.head.length && hashOf(h.first.subarray(0, cur.head.length)) !== cur.head.hash) return false;
  const start = cur.position - recent.length;
  const n = Math.min(CHECK_BYTES, h.size);
  if (h.size - n >= start) {
    const last = await bytesAt(h.fh, h.size - n, n);
    return last !== undefined && last.equals(recent.subarray(h.size - n - start, h.size - start));
  }
  // Ends before the bytes kept: the last mark within it says whether it is what we read up to there.
  const mark = [...(cur.marks ?? [])].reverse().find((k) => k.at <= h.size);
  return mark !== undefined && (await checkHolds(h.fh, mark));
}

function hashOf(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex');
}
