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
 * Splits a byte stream into lines. A line longer than `maxBytes` is cut at that
 * size and the rest discarded up to the next newline; `cut` counts such lines.
 * Tracks the stream offset just past the last complete line, which is what a file
 * source saves.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partLength = 0;
  /** Bytes of the current unterminated line seen so far, kept or discarded. */
  private pendingBytes = 0;
  private discarding = false;
  /** Lines cut at maxBytes. */
  cut = 0;
  /** Stream offset just past the last newline. */
  committed: number;

  constructor(private readonly maxBytes: number, private readonly onLine: (line: Buffer, endOffset: number) => void, startOffset = 0) {
    this.committed = startOffset;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) return this.hold(chunk.subarray(start));
      const piece = chunk.subarray(start, nl);
      const lineBytes = this.pendingBytes + piece.length + 1;
      const line = this.assemble(piece);
      this.committed += lineBytes;
      this.onLine(line, this.committed);
      start = nl + 1;
    }
  }

  /** The unterminated last line, if any: at the end of a file scan or of a command's output. */
  end(): void {
    if (this.pendingBytes === 0) return;
    const bytes = this.pendingBytes;
    const line = this.assemble(Buffer.alloc(0));
    this.committed += bytes;
    this.onLine(line, this.committed);
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

/** Bytes to clean text: invalid UTF-8 becomes U+FFFD, ANSI codes and other control characters go. */
export function cleanLine(line: Buffer): string {
  let text = line.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.includes('\x1b')) text = text.replace(ANSI, '');
  // One scan for the common case of a clean line; replace only when needed.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return text.replace(CONTROL, '');
  }
  return text;
}

const FLY = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) +\S+?\[([\w-]+)\] +([\w-]+) +\[(\w+)\] ?(.*)$/s;
const FOGLET = /^(\d\d):(\d\d):(\d\d)\.(\d{3}) (?:[^[]*?)\[(debug|info|notice|warning|warn|error|critical|alert|emergency)\] ?(.*)$/s;
const ISO_START = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) +(?:\[?(debug|info|notice|warning|warn|error|critical|alert|emergency)\]? +)?(.*)$/is;

export function parseLine(text: string): ParsedLine {
  const first = text.charCodeAt(0);
  if (first === 123 /* { */) {
    const json = parseJson(text);
    if (json) return json;
  }
  if (first >= 48 && first <= 57 /* digit */) {
    const fly = FLY.exec(text);
    if (fly) {
      const inner = parseLine(fly[5]!);
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
    const own = FOGLET.exec(text);
    if (own) {
      const ms = ((Number(own[1]) * 60 + Number(own[2])) * 60 + Number(own[3])) * 1000 + Number(own[4]);
      return { message: own[6]!, level: normalizeLevel(own[5]!), time: ms, timeOfDayOnly: true, header: true };
    }
    const iso = ISO_START.exec(text);
    if (iso) {
      const t = Date.parse(iso[1]!.replace(' ', 'T'));
      if (Number.isFinite(t)) return { message: iso[3]!, level: iso[2] ? normalizeLevel(iso[2]) : undefined, time: t, header: true };
    }
  }
  return { message: text, header: false };
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
    message: message.replace(/\r?\n$/, ''),
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
  const c = message.charCodeAt(0);
  return c === 32 || c === 9 || message.startsWith('** (') || message.startsWith('(') || message.startsWith('For example:')
    || message.startsWith('You can generate one');
}
