/** What a log source hands on, and what it may use: passed in, never reached for. */
export interface SourceSink {
  /** One complete line, without its newline (see LineHandler). */
  line(text: string, bytes: number, clean: boolean): void;
  /** The source has gone quiet for now (end of a read): a good moment to emit a pending event. */
  idle(): void;
  /** Lines cut at max_line_bytes. */
  cut(n: number): void;
}

export interface SourceEvents {
  up(isUp: boolean): void;
  restart?(): void;
  rotation?(kind: 'rename' | 'truncate'): void;
  /** Bytes not yet read (file size minus position), after each read. */
  behind?(bytes: number): void;
  warn(obj: object, msg: string): void;
}

export interface LogSource {
  readonly name: string;
  start(): Promise<void>;
  /** Stops reading; what was read is handed on, what is saved is saved. */
  stop(): Promise<void>;
}
