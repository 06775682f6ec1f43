/**
 * Owns the configured log sources and a pipeline per source: lines in, signals out.
 * Reports into the metrics registry, keeps file offsets in the state file, and
 * keeps the recent log signals for /status.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Signal } from '../signals.js';
import type { KeyedStore } from '../state.js';
import { redactLogLine } from './evidence.js';
import { SourcePipeline, type PipelineMemory } from './pipeline.js';
import { pipelineOptions, pipelineSetup, type PipelineSetup } from './setup.js';
import { CommandSource } from './sources/command.js';
import { FileSource, type OffsetStore } from './sources/file.js';
import { HttpSource } from './sources/http.js';
import type { LogGap, LogSource, SourceSink } from './sources/types.js';

/**
 * How long a quiet source's last event waits for continuation lines before it is
 * matched: long when it announced more ("... failed with:"), short otherwise (a
 * logger writes one event's lines together, so they arrive in one read).
 */
const GROUP_WAIT_MS = 100;
const GROUP_WAIT_COMPLETE_MS = 15;
const TICK_MS = 1000;
const RECENT_SIGNALS = 50;

export interface LogWatcherDeps {
  logs: Config['logs'];
  instance: string;
  baseDir: string;
  metrics: Metrics;
  logger: Logger;
  offsets: OffsetStore;
  /** Each source's rule and restart-loop memory, kept across restarts like its offset. */
  memory?: KeyedStore<PipelineMemory>;
  /** Where signals go next (the alert engine); /status and metrics have them either way. */
  /** A match of a rule already active (built only when asked for): for a release watch that began meanwhile. */
  onRepeat?(signal: () => Signal): void;
  onSignal?(signal: Signal): void;
  /** A Foglet boot seen in a source (boot markers, one per boot). */
  onBoot?(source: string): void;
  /** Only events from this time on are matched (ms since the epoch). */
  since?: number;
  /** `logs` already compiled (a reload builds it before it stops anything); built here otherwise. */
  setup?: PipelineSetup;
}

interface SourceState {
  source: LogSource;
  pipeline: SourcePipeline;
  /** The pipeline revision last saved. */
  savedRevision: number;
  flushTimer?: NodeJS.Timeout;
  up: boolean;
  lastMatchAt?: string;
}

export class LogWatcher {
  private readonly sources = new Map<string, SourceState>();
  private ticker: NodeJS.Timeout | undefined;
  private readonly recent: Signal[] = [];

  constructor(private readonly deps: LogWatcherDeps) {
    const setup = deps.setup ?? pipelineSetup(deps.logs);
    const { logs, metrics } = deps;
    if (setup.prefilter.off !== undefined && logs.sources.length > 0) {
      // Correct, only slower: every event is then tested against every rule.
      deps.logger.info({ pattern: setup.prefilter.off }, 'log rules: a pattern requires no fixed text (or uses RE2-only syntax), so every log event is tested against every rule');
    }
    for (const cfg of logs.sources) {
      const name = cfg.name;
      const labels = { source: name };
      const pipeline = new SourcePipeline(name, pipelineOptions(setup, { labels: { instance: deps.instance }, since: deps.since }), {
        onMatch: (event, rules) => {
          const state = this.sources.get(name);
          if (state) state.lastMatchAt = new Date().toISOString();
          // Matches are rare (healthy lines are the vast majority): each can be traced at debug level.
          deps.logger.debug({ source: name, line: event.line, rules: rules.map((r) => r.id), text: redactLogLine(event.lines[0] ?? '').slice(0, 300) }, 'log match');
          for (const r of rules) {
            metrics.logMatches.inc({ source: name, rule: r.id, category: r.category });
            metrics.logLastMatch.set({ source: name, rule: r.id }, Date.now() / 1000);
          }
        },
        onSignal: (s) => this.emit(s),
        onRepeat: (make) => this.deps.onRepeat?.(make),
        onBoot: () => { metrics.logBoots.inc(labels); deps.onBoot?.(name); },
      });
      pipeline.restore(deps.memory?.get(name));
      let lastLines = 0;
      let lastBytes = 0;
      const sink: SourceSink = {
        line: (line, bytes, clean) => pipeline.pushLine(line, bytes, clean),
        bulk: (buf, text, start, end, max) => pipeline.skipQuiet(buf, text, start, end, max),
        idle: () => {
          this.saveMemory(name);
          const fresh = pipeline.lines !== lastLines;
          metrics.logLines.inc(labels, pipeline.lines - lastLines);
          metrics.logBytes.inc(labels, pipeline.bytes - lastBytes);
          lastLines = pipeline.lines;
          lastBytes = pipeline.bytes;
          this.scheduleFlush(name, fresh);
        },
        cut: (n) => metrics.logLinesCut.inc(labels, n),
        unsettledBytes: () => pipeline.unsettledBytes,
      };
      const events = {
        up: (isUp: boolean) => {
          metrics.logSourceUp.set(labels, isUp ? 1 : 0);
          const st = this.sources.get(name);
          if (st) st.up = isUp;
        },
        restart: () => metrics.logSourceRestarts.inc(labels),
        rotation: (kind: 'rename' | 'truncate') => {
          metrics.logRotations.inc({ source: name, kind });
          deps.logger.info({ source: name, kind }, kind === 'rename' ? 'log file rotated: renamed away and replaced' : 'log file rotated: truncated in place');
        },
        gap: (g: LogGap) => {
          metrics.logGaps.inc({ source: name, reason: g.reason });
          deps.logger.error({ source: name, file: g.file, from_byte: g.from, reason: g.reason },
            `log lines lost: ${g.file} ${g.reason === 'truncated_while_down' ? 'was truncated' : 'was rotated away'} while the monitor was down, and what was written after byte ${g.from} cannot be read: ${g.detail}`);
        },
        behind: (bytes: number) => metrics.logBytesBehind.set(labels, bytes),
        warn: (obj: object, msg: string) => deps.logger.warn(obj, msg),
        info: (obj: object, msg: string) => deps.logger.info(obj, msg),
      };
      const source: LogSource = cfg.kind === 'file'
        ? new FileSource(cfg, deps.baseDir, logs.max_line_bytes, sink, events, deps.offsets)
        : cfg.kind === 'command'
          ? new CommandSource(cfg, logs.max_line_bytes, sink, events)
          : new HttpSource(cfg, logs.max_line_bytes, sink, events);
      this.sources.set(name, { source, pipeline, up: false, savedRevision: pipeline.revision });
      metrics.logSourceUp.set(labels, 0);
      for (const kind of ['rename', 'truncate']) metrics.logRotations.inc({ source: name, kind }, 0);
      if (cfg.kind === 'file') for (const reason of ['rotated_file_missing', 'truncated_while_down']) metrics.logGaps.inc({ source: name, reason }, 0);
      for (const m of [metrics.logLines, metrics.logBytes, metrics.logLinesCut, metrics.logSourceRestarts, metrics.logBoots]) m.inc(labels, 0);
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.source.start()));
    // Each source's first read is done: what was already in the files is history.
    for (const s of this.sources.values()) s.pipeline.markLive();
    const tick = () => {
      for (const [name, s] of this.sources) {
        if (s.pipeline.quiet) continue;
        s.pipeline.tick();
        // Not in the middle of a read: the memory would then hold lines past the saved offset,
        // and a crash would read them again into a memory that has already counted them.
        if (!s.source.reading) this.saveMemory(name);
      }
    };
    // An episode whose quiet period ran out while the monitor was down ends now, not a tick later.
    tick();
    this.ticker = setInterval(tick, TICK_MS);
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await Promise.all([...this.sources.values()].map((s) => s.source.stop()));
    for (const [name, s] of this.sources) {
      if (s.flushTimer) clearTimeout(s.flushTimer);
      s.pipeline.flush();
      this.saveMemory(name);
    }
  }

  private saveMemory(name: string): void {
    const s = this.sources.get(name);
    if (!s || !this.deps.memory || s.pipeline.revision === s.savedRevision) return;
    s.savedRevision = s.pipeline.revision;
    this.deps.memory.set(name, s.pipeline.memory());
  }

  /** The http source to post to: by name, or the only one. */
  httpSource(name?: string): HttpSource | undefined {
    const https = [...this.sources.values()].map((s) => s.source).filter((s): s is HttpSource => s instanceof HttpSource);
    return name ? https.find((s) => s.name === name) : https.length === 1 ? https[0] : undefined;
  }

  status() {
    return {
      sources: [...this.sources.entries()].map(([name, s]) => ({
        name,
        up: s.up,
        lines: s.pipeline.lines,
        matches: s.pipeline.matches,
        boots: s.pipeline.bootsSeen,
        active_rules: s.pipeline.activeRules(),
        last_match_at: s.lastMatchAt ?? null,
      })),
      recent_signals: [...this.recent].reverse(),
    };
  }

  private scheduleFlush(name: string, fresh: boolean): void {
    const s = this.sources.get(name);
    if (!s || (s.flushTimer && !fresh)) return;
    // Each read with new lines restarts the wait: it is for the source to go quiet.
    if (s.flushTimer) clearTimeout(s.flushTimer);
    s.flushTimer = undefined;
    if (!s.pipeline.hasPending) return;
    s.flushTimer = setTimeout(() => {
      s.flushTimer = undefined;
      s.pipeline.flush();
      // The rule memory and the offset move together, so a crash finds them agreeing: a line is
      // either in both (matched and past) or in neither (read again). A read under way saves both at its end.
      if (s.source.reading) return;
      this.saveMemory(name);
      s.source.settled?.();
    }, s.pipeline.pendingExpectsMore ? GROUP_WAIT_MS : GROUP_WAIT_COMPLETE_MS);
  }

  private emit(signal: Signal): void {
    this.recent.push(signal);
    if (this.recent.length > RECENT_SIGNALS) this.recent.shift();
    const labels = { source: signal.labels.log_source ?? '', rule: signal.reason, category: signal.category, severity: signal.severity };
    this.deps.metrics.logRuleActive.set(labels, signal.ok ? 0 : 1);
    const log = { key: signal.key, severity: signal.severity, category: signal.category, rule: signal.reason, summary: signal.summary };
    if (signal.ok) this.deps.logger.info(log, 'log signal cleared');
    else this.deps.logger.warn({ ...log, evidence: signal.evidence?.lines }, 'log signal');
    this.deps.onSignal?.(signal);
  }
}
