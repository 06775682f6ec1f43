/**
 * One source's path from lines to signals: clean and parse each line, assemble
 * events, match rules, count restarts. The daemon's watcher and the offline `scan`
 * run the same pipeline, so both classify a log the same way.
 */
import type { Signal, Severity } from '../signals.js';
import { EventAssembler, rollsOver, type LogEvent } from './events.js';
import { LineRing, redactLogLine } from './evidence.js';
import { cleanLine, detach, flyMessageAt, fogletMessageAt, parseLine, timeOfDayAt } from './line.js';
import type { QuietFinders } from './setup.js';
import { RestartDetector, type RestartLoopSettings, type RestartMarkers } from './restarts.js';
import { RuleTracker, type LogRule, type RuleSet, type Track } from './rules.js';
import { ContextTracker, type ContextDef } from './contexts.js';
import type { Prefilter } from './prefilter.js';

/** A pipeline's memory across a restart, kept in the state file beside the source's offset. */
export interface PipelineMemory {
  rules: Record<string, Track>;
  restarts?: { boots: number[]; active: boolean };
}

export interface PipelineOptions {
  rules: RuleSet;
  markers: RestartMarkers;
  /** The packs' contexts (migrating, ...): what the lines around an event say it means. */
  contexts?: ContextDef[];
  /** Undefined: restart loops are not watched. */
  restartLoop?: RestartLoopSettings & { severity: Severity };
  contextLines: number;
  /** An event none of whose lines it passes is not matched (see logs/prefilter.ts); none: every event is. */
  prefilter?: Prefilter;
  /**
   * The contexts' `leave` patterns: they matter only while a context may hold (a
   * `Migrations already up` at every boot is not worth matching when no migration runs).
   */
  leavePrefilter?: Prefilter;
  /** The prefilters' literals over whole chunks: without them, every line is read on its own. */
  finders?: QuietFinders;
  /** Labels every signal carries (instance). */
  labels?: Record<string, string>;
  /** Events before this time (ms since the epoch) are counted but not matched: `verify --since`. */
  since?: number;
  now?: () => number;
}

export interface PipelineHooks {
  onMatch?(event: LogEvent, rules: LogRule[]): void;
  onSignal?(signal: Signal): void;
  /**
   * A match of a rule already active: no new signal (the episode goes on), but news to whoever
   * judges a span of time by what happened in it (a release watch that began after the episode).
   */
  onRepeat?(signal: () => Signal): void;
  onBoot?(): void;
}

export class SourcePipeline {
  private readonly assembler: EventAssembler;
  private readonly tracker = new RuleTracker();
  private readonly restarts: RestartDetector | undefined;
  private readonly ring = new LineRing();
  private readonly contexts: ContextTracker;
  private readonly now: () => number;
  lines = 0;
  bytes = 0;
  matches = 0;
  /** Moves whenever the memory does: a caller saves it when this changed. */
  revision = 0;

  constructor(readonly source: string, private readonly opts: PipelineOptions, private readonly hooks: PipelineHooks = {}) {
    this.now = opts.now ?? Date.now;
    this.assembler = new EventAssembler(source, (e) => this.onEvent(e), this.now, (time, timed) => { if (timed) this.lastTimed = time; });
    this.restarts = opts.restartLoop ? new RestartDetector(opts.markers, opts.restartLoop) : undefined;
    this.contexts = new ContextTracker(opts.contexts ?? []);
  }

  /** One line as read (no newline); `clean` when the splitter knows it needs no cleaning. */
  pushLine(line: string, bytes = Buffer.byteLength(line) + 1, clean = false): void {
    this.lines++;
    this.bytes += bytes;
    const text = clean ? line : cleanLine(line);
    this.ring.add(this.lines, text);
    const before = this.assembler.pendingLine;
    const parsed = parseLine(text);
    this.assembler.push(text, parsed, this.lines, this.passes(parsed.message));
    const after = this.assembler.pendingLine;
    if (after === undefined) this.unsettledBytes = 0;
    else if (after !== before) this.unsettledBytes = bytes; // this line began a new event; the last one was matched
    else this.unsettledBytes += bytes;
  }

  /**
   * Takes in bulk the quiet lines of a chunk from `start` (a line start), and returns where
   * line-by-line reading resumes (`start` when it took none). A quiet line is one of Foglet's
   * own or one of Fly's that starts an event (so it is timed, and ends the event before it),
   * not cut, whose message holds none of the prefilter's literals nor anything to clean
   * (LiteralFinder stops at both), and whose time of day does not roll the day over. Read on
   * its own, it would end the event before it and start one that is never matched: the bulk
   * only counts it. The last quiet line before where reading resumes, and the `context_lines`
   * before it, are read as ever: the head of the event the next line may continue, the time
   * that event is judged by, its evidence; so is the last of Foglet's own lines, which the next
   * time of day is dated from (Fly's lines after it carry their own date). Exact by construction: the scan's and the daemon's
   * results are the same with and without it (tested).
   *
   * `text` is the chunk's bytes as latin1 (an index is a byte offset), `end` the end of its
   * last complete line.
   */
  skipQuiet(buf: Uint8Array, text: string, start: number, end: number, maxBytes: number): number {
    const finders = this.opts.finders;
    const finder = this.contexts.mayHold || this.assembler.pendingInteresting ? finders?.withLeave : finders?.base;
    if (!finder) return start;
    // The last quiet line may be the head of the event the next line continues: it and the
    // context_lines before it are read as ever (the event's evidence).
    const keep = this.opts.contextLines + 1;
    // The starts of the last `keep` quiet lines, in a ring: reading resumes at the oldest.
    const starts = this.quietStarts.length === keep ? this.quietStarts : (this.quietStarts = new Array<number>(keep).fill(0));
    const before = this.assembler.lastTimeOfDayMs;
    let n = 0;
    let at = start;
    let last = before;
    // The last of Foglet's lines among them (its index and start): the next time of day is dated
    // from it, so it is read as ever even when Fly's lines after it would be passed over.
    let timed = -1;
    let timedAt = start;
    while (at < end) {
      const nl = text.indexOf('\n', at);
      if (nl - at > maxBytes) break;
      let message = fogletMessageAt(text, at, nl);
      if (message >= 0) {
        // A time of day is dated from the one before it: the first must be read one by one,
        // and one that rolls the day over (from the last read or the last passed over) too.
        const t = timeOfDayAt(text, at);
        if (before < 0 || rollsOver(t, last) || rollsOver(t, before)) break;
        last = t;
        timed = n;
        timedAt = at;
      } else {
        message = flyMessageAt(text, at, nl); // Fly's lines carry their date: no day to roll over
        if (message < 0) break;
      }
      // Only the message is searched for literals; the whole line must need no cleaning (an
      // escape sequence in the metadata, cleaned away, can move where the message begins).
      if (!finder.clean(buf, at, message) || finder.find(buf, message, nl) < nl) break;
      starts[n % keep] = at;
      n++;
      at = nl + 1;
    }
    let skipped = n - keep;
    let resume = skipped > 0 ? starts[skipped % keep]! : start;
    if (timed >= 0 && timed < skipped) {
      skipped = timed;
      resume = timedAt;
    }
    if (skipped <= 0) return start;
    // The first quiet line ends the event being assembled (its evidence is in the ring); no
    // event after it can ask for a line before `resume` as its context.
    this.flush();
    this.ring.clear();
    this.lines += skipped;
    this.bytes += resume - start;
    return resume;
  }

  private quietStarts: number[] = [];

  /**
   * Whether an event holding this message must be matched. A context may hold when one
   * was entered, or when the event being assembled (which this line may end) enters one.
   */
  private passes(message: string): boolean {
    const pf = this.opts.prefilter;
    if (!pf || pf.test(message)) return true;
    const leave = this.opts.leavePrefilter;
    return leave !== undefined && (this.contexts.mayHold || this.assembler.pendingInteresting) && leave.test(message);
  }

  /** Bytes of the lines of the event still being assembled: not matched yet. */
  unsettledBytes = 0;

  /** Emits the event being assembled: at the end of input, or when the source has gone quiet. */
  flush(): void {
    this.assembler.flush();
    this.unsettledBytes = 0;
  }

  get hasPending(): boolean { return this.assembler.hasPending; }

  memory(): PipelineMemory {
    return { rules: this.tracker.memory(), ...(this.restarts ? { restarts: this.restarts.memory() } : {}) };
  }

  /** What the last run knew: a rule that was active clears after its quiet_for, not never. */
  restore(saved: PipelineMemory | undefined): void {
    if (!saved || typeof saved !== 'object') return;
    this.tracker.restore(saved.rules);
    this.restarts?.restore(saved.restarts);
  }

  get pendingExpectsMore(): boolean { return this.assembler.pendingExpectsMore; }

  /** Nothing for tick() to clear (the usual case): a thousand idle sources cost nothing a second. */
  get quiet(): boolean { return this.tracker.empty && !this.restarts?.isActive; }

  /** Clears rules and restart loops that have been quiet long enough. */
  tick(now = this.now()): void {
    for (const t of this.tracker.expire(this.opts.rules.rules, now)) {
      this.revision++;
      this.signalRule(t.rule, false, now);
    }
    const r = this.restarts?.expire(now);
    if (r && !r.active) {
      this.revision++;
      this.signalRestart(false, now, []);
    }
  }

  activeRules(): string[] {
    const active = this.tracker.activeRules();
    return this.restarts?.isActive ? [...active, 'restart_loop'] : active;
  }

  get bootsSeen(): number { return this.restarts?.bootsSeen ?? 0; }

  /** Time of the last event that carried one: an untimed event read from history is placed after it, for `since`. */
  private lastTimed: number | undefined;
  private live = false;

  /** History has been read: from now on an untimed event is new. */
  markLive(): void {
    this.flush();
    this.live = true;
  }

  private onEvent(e: LogEvent): void {
    if (e.timed) this.lastTimed = e.time;
    if (this.opts.since !== undefined && !(this.live && !e.timed) && (e.timed ? e.time : this.lastTimed ?? e.time) < this.opts.since) return;
    // An untimed line read from history (a stack trace's `** (Error)` after an untimed SQL line)
    // belongs with the stamped lines before it: judged against the clock it would fall outside a
    // context entered minutes or days ago by the log's own times (a failed migration missed).
    const contextTime = e.timed || this.live ? e.time : this.lastTimed ?? e.time;
    const matched = this.opts.rules.match(e.text, this.contexts.enter(e.text, contextTime, e.instance));
    this.contexts.leave(e.text, matched.map((r) => r.category), e.instance);
    if (matched.length > 0) {
      this.revision++;
      this.matches += matched.length;
      this.hooks.onMatch?.(e, matched);
      for (const rule of matched) {
        const wasActive = this.tracker.isActive(rule.id);
        const changes = this.tracker.record(rule, e.time);
        for (const t of changes) {
          if (t.active) this.signalRule(rule, true, e.time, e, t.count);
          else this.signalRule(rule, false, t.at);
        }
        if (changes.length === 0 && wasActive) this.hooks.onRepeat?.(() => this.ruleSignal(rule, true, e.time, e));
      }
    }
    if (this.restarts) {
      const before = this.restarts.bootsSeen;
      const r = this.restarts.observe(e.text, e.time);
      if (this.restarts.bootsSeen !== before) {
        this.revision++;
        this.hooks.onBoot?.();
      }
      if (r?.active) this.signalRestart(true, e.time, r.boots, e);
      else if (r) this.signalRestart(false, e.time, []);
    }
  }

  private evidence(e: LogEvent): string[] {
    // Copied: a line may be a slice of a whole read chunk, which a kept signal would pin in memory.
    return [...this.ring.before(e.line, this.opts.contextLines), ...e.lines].map((l) => detach(redactLogLine(l)));
  }

  private signalRule(rule: LogRule, active: boolean, time: number, e?: LogEvent, count = 0): void {
    this.hooks.onSignal?.(this.ruleSignal(rule, active, time, e, count));
  }

  private ruleSignal(rule: LogRule, active: boolean, time: number, e?: LogEvent, count = 0): Signal {
    // The line the rule matched says more than the event's first ("ERROR! Config provider ... failed with:").
    const hit = e ? e.lines.find((l) => rule.pattern.test(l)) ?? e.lines[0]! : '';
    const first = e ? detach(redactLogLine(hit).slice(0, 300)) : '';
    return {
      source: 'log',
      key: `log:${this.source}:${rule.id}`,
      ok: !active,
      severity: rule.severity,
      category: rule.category,
      reason: rule.id,
      summary: active
        ? `${rule.category} in ${this.source}: ${first}${count > 1 ? ` (${count} matches)` : ''}`
        : `${rule.category} in ${this.source}: no match for ${Math.round(rule.quietForMs / 1000)}s`,
      labels: { ...this.opts.labels, rule: rule.id, category: rule.category, log_source: this.source },
      ...(e ? { evidence: { lines: this.evidence(e), line: e.line, runbook: rule.summary } } : {}),
      at: new Date(time).toISOString(),
    };
  }

  private signalRestart(active: boolean, time: number, boots: number[], e?: LogEvent): void {
    const settings = this.opts.restartLoop!;
    this.hooks.onSignal?.({
      source: 'log',
      key: `log:${this.source}:restart_loop`,
      ok: !active,
      severity: settings.severity,
      category: 'restart_loop',
      reason: 'restart_loop',
      summary: active
        ? `restart loop in ${this.source}: ${boots.length} boots within ${Math.round(settings.windowMs / 60000)}m`
        : `restart loop in ${this.source} over: no boot for ${Math.round(settings.windowMs / 60000)}m`,
      labels: { ...this.opts.labels, rule: 'restart_loop', category: 'restart_loop', log_source: this.source },
      ...(e ? { evidence: { lines: this.evidence(e), line: e.line, boots: boots.map((b) => new Date(b).toISOString()) } } : {}),
      at: new Date(time).toISOString(),
    });
  }
}
