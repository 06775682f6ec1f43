/**
 * From bytes to a parsed line: split on LF (CRLF accepted), cut lines longer than
 * the limit (counted), replace invalid UTF-8, strip ANSI colour codes and NULs,
 * then read the prefixes Foglet's logs come with: Fly's
 * `TIMESTAMP app[ID] REGION [level] ...`, Foglet's own
 * `HH:MM:SS.mmm key=value [level] message`, and JSON lines.
 */

export interface ParsedLine {
  /** The message, prefixes removed. */
  message: string;
  level?: string;
  /** Milliseconds since the epoch when the line carries a full date; ms into the day for HH:MM:SS.mmm. */
  time?: number;
  timeOfDayOnly?: boolean;
  /** True when the line has a header of its own (a timestamp or JSON), so it starts a new event. */
  header: boolean;
  /** Fly's instance id and region, when present. */
  instance?: string;
  region?: string;
}

/**
 * Receives each line: its text (decoded, not yet cleaned), its size in the stream
 * (newline included), and whether it is known to hold no control character, ANSI
 * code or `\r` (then cleanLine has nothing to do).
 */
export type LineHandler = (text: string, bytes: number, clean: boolean) => void;

/**
 * Takes lines of a chunk in bulk instead of one by one (SourcePipeline.skipQuiet): from
 * `start`, a line start in `text` (the chunk as latin1, the same bytes as `buf`), to at most
 * `end`, never a line longer than `maxBytes`. Returns where lines are handed over one by one
 * again (`start` when it took none).
 */
export type BulkLines = (buf: Uint8Array, text: string, start: number, end: number, maxBytes: number) => number;

/** A byte over 0x7f, in a latin1 decoding: part of a UTF-8 sequence (or invalid). */
const HIGH = /[\x80-\xff]/;
/** Either: a control character to clean, or a byte of UTF-8 to decode. */
const UNUSUAL = /[\x00-\x08\x0b-\x1f\x7f-\xff]/g;


/**
 * Splits a byte stream into lines. A line longer than `maxBytes` is cut at that
 * size and the rest discarded up to the next newline; `cut` counts such lines.
 * Tracks the stream offset just past the last complete line, which is what a file
 * source saves.
 *
 * A chunk's complete lines are decoded once and split as a string, and checked for
 * control characters once (lines with UTF-8 in them are decoded on their own): per-line buffers, decodes and checks were most of a
 * scan's cost. Only a line carried over between chunks takes the byte path.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partLength = 0;
  /** Bytes of the current unterminated line seen so far, kept or discarded. */
  private pendingBytes = 0;
  private discarding = false;
  /** Of pendingBytes, those carried in from another file (`carryIn`): not this stream's bytes. */
  private carried = 0;
  /** Lines cut at maxBytes. */
  cut = 0;
  /** Stream offset just past the last newline. */
  committed: number;

  constructor(private readonly maxBytes: number, private readonly onLine: LineHandler, startOffset = 0, private readonly bulk?: BulkLines) {
    this.committed = startOffset;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.pendingBytes > 0) {
      // Finish the line carried over from the last chunk on the byte path.
      const nl = chunk.indexOf(10);
      if (nl === -1) return this.hold(chunk);
      const bytes = this.pendingBytes - this.carried + nl + 1;
      this.emit(this.assemble(chunk.subarray(0, nl)), bytes);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last < start) return this.hold(chunk.subarray(start));
    const body = start === 0 && last === chunk.length - 1 ? chunk : chunk.subarray(start, last + 1);
    this.pushText(body);
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1));
  }

  /**
   * Complete lines, split as one string. Decoded as latin1, which is a copy (UTF-8
   * decoding of a whole chunk is several times slower and makes a two-byte string),
   * so a string index is a byte offset; the few lines with a byte over 0x7f are
   * decoded again from their bytes as UTF-8.
   */
  private pushText(body: Buffer): void {
    const text = body.toString('latin1');
    // One native regex scan over the chunk finds the few lines that need more than a slice.
    UNUSUAL.lastIndex = 0;
    let unusual = UNUSUAL.exec(text)?.index ?? Infinity;
    let start = 0;
    const end = text.length;
    while (start < end) {
      if (this.bulk) {
        const to = this.bulk(body, text, start, end, this.maxBytes);
        this.committed += to - start;
        start = to;
        if (unusual < start) {
          UNUSUAL.lastIndex = start;
          unusual = UNUSUAL.exec(text)?.index ?? Infinity;
        }
      }
      const nl = text.indexOf('\n', start);
      const length = nl - start;
      this.committed += length + 1;
      const kept = length > this.maxBytes ? this.maxBytes : length;
      if (kept < length) this.cut++;
      if (unusual >= nl) {
        this.onLine(text.slice(start, start + kept), length + 1, true);
      } else if (HIGH.test(text.slice(unusual, nl))) {
        this.onLine(body.toString('utf8', start, start + kept), length + 1, false);
      } else {
        this.onLine(text.slice(start, start + kept), length + 1, false);
      }
      start = nl + 1;
      if (unusual < start) {
        UNUSUAL.lastIndex = start;
        unusual = UNUSUAL.exec(text)?.index ?? Infinity;
      }
    }
  }

  private emit(line: Buffer, bytes: number): void {
    this.committed += bytes;
    this.onLine(line.toString('utf8'), bytes, false);
  }

  /** The unterminated last line, if any: at the end of a file scan or of a command's output. */
  end(): void {
    if (this.pendingBytes === 0) return;
    const bytes = this.pendingBytes - this.carried;
    this.emit(this.assemble(Buffer.alloc(0)), bytes);
  }

  /**
   * The unterminated last line taken away rather than handed on (what is kept of it): a line cut
   * in two by a copytruncate ends in the next file, and is handed on whole from there, as
   * `tail -F` prints it, not as two broken lines (a trial missed a failure split so).
   */
  takePending(): Buffer | undefined {
    if (this.pendingBytes === 0) return undefined;
    // A cut is counted by the splitter that hands the line on: this one never will.
    if (this.discarding) this.cut--;
    return this.assemble(Buffer.alloc(0));
  }

  /**
   * Of the unterminated last line, only the start carried in from another file; this stream's own
   * bytes of it are dropped (they are read again from elsewhere: the copy of a truncated file).
   */
  takeCarried(): Buffer | undefined {
    const carried = this.carried;
    const line = this.takePending();
    return carried > 0 && line ? line.subarray(0, Math.min(carried, line.length)) : undefined;
  }

  /** The start of a line from another file (`takePending`): its bytes are not this stream's, so not counted in `committed`. */
  carryIn(prefix: Buffer | undefined): void {
    if (!prefix || prefix.length === 0) return;
    this.hold(prefix);
    this.carried += prefix.length;
  }

  private assemble(piece: Buffer): Buffer {
    let line: Buffer;
    if (this.discarding) {
      line = Buffer.concat(this.parts, this.partLength);
    } else if (this.partLength + piece.length > this.maxBytes) {
      this.cut++;
      line = Buffer.concat([...this.parts, piece.subarray(0, this.maxBytes - this.partLength)]);
    } else {
      line = this.partLength === 0 ? piece : Buffer.concat([...this.parts, piece], this.partLength + piece.length);
    }
    this.parts = [];
    this.partLength = 0;
    this.pendingBytes = 0;
    this.carried = 0;
    this.discarding = false;
    return line;
  }

  private hold(rest: Buffer): void {
    if (rest.length === 0) return;
    this.pendingBytes += rest.length;
    if (this.discarding) return;
    const room = this.maxBytes - this.partLength;
    if (rest.length > room) {
      // Keep the first maxBytes of the line; the rest is dropped as it comes.
      if (room > 0) this.parts.push(Buffer.from(rest.subarray(0, room)));
      this.partLength = this.maxBytes;
      this.discarding = true;
      this.cut++;
      return;
    }
    this.parts.push(Buffer.from(rest));
    this.partLength += rest.length;
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

/**
 * A copy of a line that shares no memory with the chunk it was sliced from. Lines
 * are slices of a whole read chunk (cheap while they are being matched); anything
 * kept for longer (evidence, scan results) must be detached, or it pins the chunk.
 */
export function detach(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Decoded text to clean text: invalid UTF-8 becomes U+FFFD, ANSI codes, other control characters and a leading byte-order mark go. */
export function cleanLine(line: string): string {
  let text = line;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark (opening a file, or a file appended)
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.includes('\x1b')) text = text.replace(ANSI, '');
  // One scan (a regex test is faster than a loop in JS) for the common case of a clean line.
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, '') : text;
}

const FLY = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) +\S+?\[([\w-]+)\] +([\w-]+) +\[(\w+)\] ?(.*)$/s;
const ISO_START = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) +(?:\[?(debug|info|notice|warning|warn|error|critical|alert|emergency)\]? +)?(.*)$/is;

/** Prefixes taken off one line at most (Fly's around compose's around Foglet's): a hostile line of prefixes within prefixes must not exhaust the stack. */
const MAX_PREFIXES = 3;

export function parseLine(text: string, depth = 0): ParsedLine {
  const first = text.charCodeAt(0);
  if (first === 123 /* { */) {
    const json = parseJson(text);
    if (json) return json;
  }
  if (first >= 48 && first <= 57 /* digit */) {
    // Foglet's own time has a ':' after the hour; Fly's and ISO timestamps a '-' after the year.
    if (text.charCodeAt(2) === 58 /* : */) return parseFogletLine(text) ?? { message: text, header: false };
    const fly = depth < MAX_PREFIXES ? FLY.exec(text) : null;
    if (fly) {
      const inner = parseLine(fly[5]!, depth + 1);
      return {
        ...inner,
        level: inner.level ?? fly[4]!.toLowerCase(),
        time: Date.parse(fly[1]!),
        timeOfDayOnly: false,
        header: inner.header || !isContinuation(inner.message),
        instance: fly[2],
        region: fly[3],
      };
    }
    const iso = ISO_START.exec(text);
    if (iso) {
      const t = Date.parse(iso[1]!.replace(' ', 'T'));
      if (Number.isFinite(t)) return { message: iso[3]!, level: iso[2] ? normalizeLevel(iso[2]) : undefined, time: t, header: true };
    }
  }
  if (first >= 97 && first <= 122 /* a-z */ && depth < MAX_PREFIXES) {
    const compose = COMPOSE.exec(text);
    if (compose) {
      const inner = parseLine(compose[2]!, depth + 1);
      return { ...inner, header: inner.header || !isContinuation(inner.message), instance: inner.instance ?? compose[1] };
    }
  }
  return { message: text, header: false };
}

/**
 * Docker Compose's prefix (`docker compose logs`, `docker-compose up`): the container's name
 * (`foglet-1`, v1's `foglet_1`, or a container_name), padded with spaces, and `| `; a board run
 * with compose beside its Postgres writes its log so. The container is the line's instance, as
 * Fly's machine is: the lines of two containers do not make one event.
 */
const COMPOSE = /^([a-z][\w.-]{0,62}) {1,40}\| ?(.*)$/s;

const LEVEL_LIST = ['info', 'debug', 'warning', 'error', 'notice', 'warn', 'critical', 'alert', 'emergency'];

function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/**
 * Foglet's own `HH:MM:SS.mmm key=value [level] message`: the first `[` after the time
 * holds the level. Read by hand, not by a regular expression: this runs on every
 * line, and is most of a scan's time otherwise.
 */
function parseFogletLine(text: string): ParsedLine | undefined {
  const start = fogletMessageAt(text, 0, text.length);
  if (start < 0) return undefined;
  const level = levelAt(text, text.indexOf('[', 13) + 1)!;
  return { message: text.slice(start), level: level === 'warn' ? 'warning' : level, time: timeOfDayAt(text, 0), timeOfDayOnly: true, header: true };
}

/**
 * Where the message of the line `text[at, end)` begins (past its `[level] `) when the line is
 * one of Foglet's own (then it has a header: it starts an event), -1 otherwise. Reads a line
 * inside a whole chunk without slicing it out: the quiet lines a scan passes over in bulk are
 * checked so.
 */
export function fogletMessageAt(text: string, at: number, end: number): number {
  if (end - at < 15 || text.charCodeAt(at + 2) !== 58 || text.charCodeAt(at + 5) !== 58 || text.charCodeAt(at + 8) !== 46 || text.charCodeAt(at + 12) !== 32) return -1;
  if (Number.isNaN(timeOfDayAt(text, at))) return -1;
  const open = text.indexOf('[', at + 13);
  if (open === -1 || open >= end) return -1;
  const level = levelAt(text, open + 1);
  if (level === undefined) return -1;
  const close = open + 1 + level.length;
  return text.charCodeAt(close + 1) === 32 ? close + 2 : close + 1;
}

/** The time of day (ms) written at `at` as HH:MM:SS.mmm, NaN where a digit is not one. */
export function timeOfDayAt(text: string, at: number): number {
  return (((digit(text, at) * 10 + digit(text, at + 1)) * 60 + digit(text, at + 3) * 10 + digit(text, at + 4)) * 60 + digit(text, at + 6) * 10 + digit(text, at + 7)) * 1000
    + digit(text, at + 9) * 100 + digit(text, at + 10) * 10 + digit(text, at + 11);
}

/** The level written at `at` and closed by `]`, without slicing (most lines are info). */
function levelAt(text: string, at: number): string | undefined {
  for (const l of LEVEL_LIST) {
    if (text.startsWith(l, at) && text.charCodeAt(at + l.length) === 93 /* ] */) return l;
  }
  return undefined;
}

function parseJson(text: string): ParsedLine | undefined {
  let obj: unknown;
  try { obj = JSON.parse(text); } catch { return undefined; }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  const message = o.message ?? o.msg ?? o.log;
  if (typeof message !== 'string') return undefined;
  const rawTime = o.time ?? o.timestamp ?? o.ts ?? o['@timestamp'];
  const time = typeof rawTime === 'number' ? (rawTime < 1e12 ? rawTime * 1000 : rawTime) : typeof rawTime === 'string' ? Date.parse(rawTime) : undefined;
  const lvl = o.level ?? o.severity;
  return {
    // Decoded escapes (\u001b[31m, \u0000, \r) are cleaned as a raw line's characters are.
    message: cleanLine(message.replace(/\r?\n$/, '')),
    level: typeof lvl === 'string' ? normalizeLevel(lvl) : typeof lvl === 'number' ? pinoLevel(lvl) : undefined,
    time: time !== undefined && Number.isFinite(time) ? time : undefined,
    header: true,
  };
}

function normalizeLevel(l: string): string {
  const s = l.toLowerCase();
  return s === 'warn' ? 'warning' : s;
}

function pinoLevel(n: number): string {
  return n >= 60 ? 'critical' : n >= 50 ? 'error' : n >= 40 ? 'warning' : n >= 30 ? 'info' : 'debug';
}

/**
 * Lines that belong to the event before them: Elixir's `** (Error) ...`, stack
 * trace lines (indented), and the explanation lines of a raise, which carry no
 * header of their own.
 */
export function isContinuation(message: string): boolean {
  return continuationAt(message, 0, message.length);
}

/** isContinuation of the message `text[at, end)`, read without slicing it out of a chunk. */
function continuationAt(text: string, at: number, end: number): boolean {
  const c = text.charCodeAt(at);
  if (c === 32 || c === 9 || c === 40 /* ( */) return true;
  for (const p of CONTINUATION_STARTS) if (text.startsWith(p, at)) return true;
  return end - at === 8 && text.startsWith('Details:', at);
}

/**
 * How the lines of an explanation begin, and the lines of OTP ssh's disconnect report after its
 * first ("Erlang SSH server version: ..."), which Elixir's Logger prints unindented (seen on OTP
 * 25 / ssh 4.15.2):
 *   Address: 127.0.0.1:2222 / Peer client version: "SSH-2.0-..." / Peer address: ... /
 *   Disconnects with code = 3 [RFC4253 11.1]: Key exchange failed / State = {...} /
 *   Module = ssh_transport, Line = 432. / Details: / (indented details)
 * One event, so that a rule sees who the peer was and why it failed together.
 */
const CONTINUATION_STARTS = ['** (', 'For example:', 'You can generate one',
  'Address: ', 'Peer client version: ', 'Peer address: ', 'Disconnects with code = ', 'State = {', 'Module = '];

/** Fly's prefix up to the message, at a line's start (`FLY` without the message). */
const FLY_PREFIX = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)? +\S+?\[[\w-]+\] +[\w-]+ +\[\w+\] ?/y;

/**
 * Where the message of the line `text[at, end)` begins when the line is one of Fly's
 * (`TIMESTAMP app[ID] REGION [level] message`) that starts an event: past Foglet's own prefix
 * where the message is one of Foglet's lines, else the message itself, plain text that does
 * not continue the event before; -1 otherwise. A message that is JSON or starts with digits is
 * not judged here (-1): the quiet lines a scan passes over in bulk are checked so, and such a
 * line is read the slow way.
 */
export function flyMessageAt(text: string, at: number, end: number): number {
  const first = text.charCodeAt(at);
  if (first < 48 || first > 57) return -1;
  FLY_PREFIX.lastIndex = at;
  if (!FLY_PREFIX.test(text) || FLY_PREFIX.lastIndex > end) return -1;
  const inner = FLY_PREFIX.lastIndex;
  const foglet = fogletMessageAt(text, inner, end);
  if (foglet >= 0) return foglet;
  const c = text.charCodeAt(inner);
  if (inner === end || c === 123 /* { */ || (c >= 48 && c <= 57)) return -1;
  // A compose prefix behind Fly's: parseLine reads the line behind it, which may continue an event.
  if (c >= 97 && c <= 122 /* a-z */) {
    COMPOSE_AT.lastIndex = inner;
    if (COMPOSE_AT.test(text) && COMPOSE_AT.lastIndex <= end) return -1;
  }
  return continuationAt(text, inner, end) ? -1 : inner;
}

/** COMPOSE's prefix, at an index. */
const COMPOSE_AT = /[a-z][\w.-]{0,62} {1,40}\|/y;
