/**
 * Lines become events: a line with a header of its own starts one; the lines of an
 * Elixir error that follow it (`** (RuntimeError) ...`, the explanation, an indented
 * stack trace) join it. A blank line or the next header ends it. Times resolve to
 * epoch milliseconds; Foglet's own HH:MM:SS.mmm lines take their date from the clock
 * and roll over at midnight.
 */
import { isContinuation, type ParsedLine } from './line.js';

export interface LogEvent {
  source: string;
  /** 1-based number of the event's first line in its source. */
  line: number;
  /** Epoch milliseconds. */
  time: number;
  /** The time came from the line itself, not from the clock (Elixir's boot errors carry none). */
  timed: boolean;
  level?: string;
  /** Fly's machine id, when the line carries one: lines of several machines share a stream. */
  instance?: string;
  /** The cleaned lines as they came, for evidence. */
  lines: string[];
  /** The messages joined by newlines: what rules match against. */
  text: string;
}

const MAX_EVENT_LINES = 200;
const MAX_EVENT_CHARS = 256 * 1024;
const DAY = 86_400_000;
/** How far ahead of the clock a first time of day may be and still be today's (clocks differ a little). */
const FUTURE_SLACK_MS = 5 * 60_000;

interface Pending {
  line: number;
  time: number;
  timed: boolean;
  level?: string;
  instance?: string;
  lines: string[];
  messages: string[];
  chars: number;
  expectsMore: boolean;
  /** A line of it passed the prefilter: only such an event can match anything. */
  interesting: boolean;
}

export class EventAssembler {
  private pending: Pending | undefined;
  private dayBase: number | undefined;
  private lastTimeOfDay = -1;
  /** The last reading of the clock: times at or before it cannot be ahead of it. */
  private clockSeen = -Infinity;

  /**
   * `onSkipped`: an event none of whose lines passed the prefilter ends; it can match
   * nothing, so only its time is told (no event is built).
   */
  constructor(
    private readonly source: string,
    private readonly onEvent: (e: LogEvent) => void,
    private readonly now: () => number = Date.now,
    private readonly onSkipped?: (time: number, timed: boolean) => void,
  ) {}

  /** `interesting`: the line passed the prefilter (always, without one). */
  push(raw: string, parsed: ParsedLine, lineNo: number, interesting = true): void {
    const p = this.pending;
    if (parsed.message.trim() === '') {
      this.flush();
      return;
    }
    // A continuation joins the event of its own machine (Fly) or container (compose) only: two
    // machines' reports interleave in one log.
    if (p && !parsed.header && p.instance === parsed.instance && (p.expectsMore || isContinuation(parsed.message))) {
      if (p.lines.length < MAX_EVENT_LINES && p.chars < MAX_EVENT_CHARS) {
        p.lines.push(raw);
        p.messages.push(parsed.message);
        p.chars += raw.length;
        p.expectsMore = opensMore(parsed.message) || p.expectsMore;
        if (interesting) p.interesting = true;
        return;
      }
      // The event is full: it is matched as it is, and what follows goes on as an event of its
      // own (same time, source and machine), so that no line after the 200th goes unread (a
      // crash dump's line at the end of a long report, found by a trial).
      this.flush();
      this.pending = { ...p, line: lineNo, lines: [raw], messages: [parsed.message], chars: raw.length, expectsMore: opensMore(parsed.message) || p.expectsMore, interesting };
      return;
    }
    this.flush();
    this.pending = {
      line: lineNo,
      time: this.resolveTime(parsed),
      timed: parsed.time !== undefined,
      level: parsed.level,
      instance: parsed.instance,
      lines: [raw],
      messages: [parsed.message],
      chars: raw.length,
      expectsMore: opensMore(parsed.message),
      interesting,
    };
  }

  /** Emits the event being assembled (at the end of input, or when the source goes quiet). */
  flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    if (!p.interesting && this.onSkipped) return this.onSkipped(p.time, p.timed);
    this.onEvent({
      source: this.source, line: p.line, time: p.time, timed: p.timed, level: p.level, instance: p.instance, lines: p.lines,
      text: p.messages.length === 1 ? p.messages[0]! : p.messages.join('\n'),
    });
  }

  get hasPending(): boolean { return this.pending !== undefined; }

  /** The event being assembled passed the prefilter: it will be matched when it ends. */
  get pendingInteresting(): boolean { return this.pending?.interesting === true; }

  /** The line number of the event being assembled, if any. */
  get pendingLine(): number | undefined { return this.pending?.line; }

  /** The time of day of the last of Foglet's own lines (HH:MM:SS.mmm) read, -1 before the first. */
  get lastTimeOfDayMs(): number { return this.lastTimeOfDay; }

  /** The pending event announced more lines ("... failed with:", "** (Error) ..."). */
  get pendingExpectsMore(): boolean { return this.pending?.expectsMore ?? false; }

  /**
   * A time ahead of the clock counts as now: an event from the future would keep a
   * rule's quiet_for from ever running out. A first time of day well ahead of the
   * clock is yesterday's (a file read from its start just after midnight).
   */
  private resolveTime(parsed: ParsedLine): number {
    if (parsed.time === undefined) return this.now();
    if (!parsed.timeOfDayOnly) return this.notAhead(parsed.time);
    if (this.dayBase === undefined) {
      const now = this.now();
      this.dayBase = now - (now % DAY);
      if (this.dayBase + parsed.time > now + FUTURE_SLACK_MS) this.dayBase -= DAY;
    } else if (rollsOver(parsed.time, this.lastTimeOfDay)) {
      this.dayBase += DAY; // past midnight
    }
    this.lastTimeOfDay = parsed.time;
    return this.notAhead(this.dayBase + parsed.time);
  }

  /**
   * `t`, or now when `t` is ahead of the clock. The clock is read only for a time past
   * its last reading: a file of history (every line in the past) costs no clock read per line.
   */
  private notAhead(t: number): number {
    if (t <= this.clockSeen) return t;
    this.clockSeen = this.now();
    return Math.min(t, this.clockSeen);
  }
}

/** A time of day this far behind the last one is the next day's: the log went past midnight. */
export function rollsOver(timeOfDay: number, last: number): boolean {
  return timeOfDay < last - DAY / 2;
}

/** A line that announces more lines without headers: "... failed with:", "** (Error) ...". */
function opensMore(message: string): boolean {
  return message.endsWith(':') || message.startsWith('** (');
}
