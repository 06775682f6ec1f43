/** What a log source hands on, and what it may use: passed in, never reached for. */
import type { BulkLines } from '../line.js';

export interface SourceSink {
  /** One complete line, without its newline (see LineHandler). */
  line(text: string, bytes: number, clean: boolean): void;
  /** The source has gone quiet for now (end of a read): a good moment to emit a pending event. */
  idle(): void;
  /** Lines cut at max_line_bytes. */
  cut(n: number): void;
  /**
   * Bytes at the end of what was handed on that belong to an event not matched yet
   * (waiting for continuation lines): a saved offset stops before them, so a crash
   * reads them again rather than losing them.
   */
  unsettledBytes?(): number;
  /** Takes quiet lines of a chunk in bulk (see LineSplitter): a source that counts no lines of its own hands it to its splitter. */
  bulk?: BulkLines;
}

/** Log bytes that could not be read, said once and counted: never a silent loss. */
export interface LogGap {
  reason: 'rotated_file_missing' | 'truncated_while_down';
  /** The file whose bytes were lost, and the offset from which on they were. */
  file: string;
  from: number;
  detail: string;
}

export interface SourceEvents {
  up(isUp: boolean): void;
  restart?(): void;
  rotation?(kind: 'rename' | 'truncate'): void;
  gap?(gap: LogGap): void;
  /** Bytes not yet read (file size minus position), after each read. */
  behind?(bytes: number): void;
  warn(obj: object, msg: string): void;
  /** What an operator may want to know happened (a rotated file recovered). */
  info?(obj: object, msg: string): void;
}

export interface LogSource {
  readonly name: string;
  start(): Promise<void>;
  /** Stops reading; what was read is handed on, what is saved is saved. */
  stop(): Promise<void>;
  /** The event that waited for continuation lines is matched now: a source that saves offsets saves past it. */
  settled?(): void;
  /** True while a read is under way whose offset is not saved yet. */
  readonly reading?: boolean;
}
