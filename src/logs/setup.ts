/**
 * What every source's pipeline is built from, once per config: the rule packs' rules,
 * contexts and restart markers merged with the user's, compiled, and the prefilters over
 * their literals. The daemon's log watcher and the offline `scan` and `rules test` build
 * their pipelines from the same setup, so they classify a log the same way.
 */
import type { Config } from '../config/schema.js';
import type { ContextDef } from './contexts.js';
import { effectiveRules, loadPack } from './packs.js';
import type { PipelineOptions } from './pipeline.js';
import { LiteralFinder } from './literal-finder.js';
import { Prefilter } from './prefilter.js';
import type { RestartMarkers } from './restarts.js';
import { RuleSet } from './rules.js';

export interface PipelineSetup {
  rules: RuleSet;
  markers: RestartMarkers;
  contexts: ContextDef[];
  /** Built once from the patterns the pipeline tests: rules, contexts' `enter`, restart markers. */
  prefilter: Prefilter;
  /** The contexts' `leave` patterns, tested while a context may hold. */
  leavePrefilter: Prefilter;
  /** The same literals found over whole chunks, to pass quiet lines over in bulk (see SourcePipeline.skipQuiet). */
  finders: QuietFinders;
  logs: Config['logs'];
}

/** Undefined where some line must always be looked at (a pattern with no literal, or one shorter than a window). */
export interface QuietFinders {
  /** What the prefilter passes. */
  base?: LiteralFinder;
  /** And the contexts' `leave` literals: while a context may hold. */
  withLeave?: LiteralFinder;
}

export function pipelineSetup(logs: Config['logs']): PipelineSetup {
  const markers: RestartMarkers = { boot: [], crash: [] };
  const contexts: ContextDef[] = [];
  for (const p of logs.rule_packs) {
    const pack = loadPack(p);
    markers.boot.push(...pack.restart_markers.boot);
    markers.crash.push(...pack.restart_markers.crash);
    contexts.push(...pack.contexts);
  }
  const rules = effectiveRules(logs);
  const prefilter = new Prefilter([
    ...rules.map((r) => ({ source: r.pattern, ignoreCase: r.ignore_case })),
    ...contexts.map((c) => ({ source: c.enter })),
    ...markers.boot.map((b) => ({ source: b.pattern })),
    ...markers.crash.map((c) => ({ source: c })),
  ]);
  const leavePrefilter = new Prefilter(contexts.map((c) => ({ source: c.leave })));
  const base = prefilter.off === undefined ? LiteralFinder.of(prefilter.literals, prefilter.ignoreCase) : undefined;
  const finders: QuietFinders = {
    base,
    withLeave: base && leavePrefilter.off === undefined ? LiteralFinder.of([...prefilter.literals, ...leavePrefilter.literals], prefilter.ignoreCase || leavePrefilter.ignoreCase) : undefined,
  };
  return { rules: new RuleSet(rules), markers, contexts, prefilter, leavePrefilter, finders, logs };
}

/** The options of a source's pipeline, the same for the daemon and for scan. */
export function pipelineOptions(setup: PipelineSetup, extra: Partial<PipelineOptions> = {}): PipelineOptions {
  const loop = setup.logs.restart_loop;
  return {
    rules: setup.rules,
    markers: setup.markers,
    contexts: setup.contexts,
    prefilter: setup.prefilter,
    leavePrefilter: setup.leavePrefilter,
    finders: setup.finders,
    restartLoop: loop.enabled
      ? { starts: loop.starts, windowMs: loop.window.ms, minUptimeMs: loop.min_uptime.ms, severity: loop.severity }
      : undefined,
    contextLines: setup.logs.context_lines,
    ...extra,
  };
}

