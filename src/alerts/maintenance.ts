/**
 * Scheduled maintenance windows (`alerts.maintenance` in the config), as Gatus and Uptime Kuma
 * users know them: a cron schedule or a single start, a duration, and matchers. While a window
 * is open the alerts it matches are silenced exactly as by a silence from the API (state kept
 * and shown, nothing sent; a resolve for a page sent before the window still goes out). /status
 * and the status page show each window's current or next opening, so it is seen before it starts.
 */
import { createRequire } from 'node:module';
import type { CronExpression, CronExpressionParser as Parser } from 'cron-parser';
import cron from 'node-cron';
import { z } from 'zod';
import { checkName, cronSchedule, duration } from '../schema/fields.js';
import { formatMatcher, matches, parseMatcher, type Matcher } from './silences.js';

/** cron-parser (and luxon under it) loaded only where a config has a schedule: every start paid ~40 ms for it. */
let parser: typeof Parser | undefined;
function cronParser(): typeof Parser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return parser;
}

function matcherProblem(text: string): string | undefined {
  try { parseMatcher(text); return undefined; } catch (e) { return (e as Error).message; }
}

function timezoneProblem(tz: string): string | undefined {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return undefined; } catch { return `expected an IANA time zone such as "UTC" or "Europe/Berlin", got ${JSON.stringify(tz)}`; }
}

export const maintenanceWindowSchema = z.strictObject({
  name: checkName,
  /** When each window opens: a cron schedule (5 fields, or 6 with seconds first), read in `timezone`. */
  schedule: cronSchedule.optional(),
  /** Or a single window opening at this time (ISO 8601 with an offset). */
  start: z.iso.datetime({ offset: true, error: 'expected a time such as "2026-12-05T02:00:00Z"' }).optional(),
  duration: duration({ min: '1m', max: '30d' }),
  /** For a schedule only: a single `start` carries its own offset. */
  timezone: z.string().optional().superRefine((tz, ctx) => {
    if (tz === undefined) return;
    const problem = timezoneProblem(tz);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** As amtool writes them (`check=ssh-login`, `alertname=~"Foglet.*"`); none matches every alert. */
  matchers: z.array(z.string().superRefine((m, ctx) => {
    const problem = matcherProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })).max(32).default([]),
  comment: z.string().max(1024).default(''),
}).superRefine((w, ctx) => {
  if ((w.schedule === undefined) === (w.start === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'expected either schedule (a cron schedule) or start (one time), not both or neither' });
  } else if (w.start !== undefined && w.timezone !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'applies to a schedule only: a start time carries its own offset ("2026-12-12T03:00:00+01:00")' });
  } else if (w.schedule !== undefined && cron.validate(w.schedule) && !timezoneProblem(w.timezone ?? 'UTC')) {
    // A schedule that never comes round is a mistake to name now, not a window that never opens.
    try { cronParser().parse(w.schedule, { tz: w.timezone ?? 'UTC' }).next(); } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: `the schedule ${JSON.stringify(w.schedule)} never comes round: ${(e as Error).message}` });
    }
  }
});

export type MaintenanceWindowConfig = z.output<typeof maintenanceWindowSchema>;

export interface MaintenanceStatus {
  name: string;
  /** open now, scheduled (its next opening), or over (a single window that has passed). */
  state: 'open' | 'scheduled' | 'over';
  starts_at: string;
  ends_at: string;
  /** The schedule as configured, or null for a single window. */
  schedule: string | null;
  /** The zone the schedule is read in (null for a single window). */
  timezone: string | null;
  matchers: string[];
  comment: string;
}

interface Opening { start: number; end: number; computedAt: number }

/** The zone's offset from UTC at `t`, in ms. */
function offsetMs(tz: string, t: number): number {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(t).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * Whether the wall-clock time at `t` already happened once, just before, in the hour a
 * clock set back repeats (the last Sunday of October in Europe: 02:30 comes twice). A window
 * for a set hour opens at the first, as cron runs its jobs once; a schedule for every hour or
 * more often keeps its openings in the repeated hour too.
 */
function repeatedWallTime(tz: string, t: number): boolean {
  const before = offsetMs(tz, t - 3 * 3600_000);
  const now = offsetMs(tz, t);
  if (before <= now) return false;
  return offsetMs(tz, t - (before - now)) === before;
}

/** Openings that begin before the one in hand ends run on into one (a 90-minute window every hour never closes). */
const MAX_JOINED = 1000;

class MaintenanceWindow {
  private readonly matchers: Matcher[];
  private cached: Opening | undefined;

  constructor(readonly config: MaintenanceWindowConfig) {
    this.matchers = config.matchers.map(parseMatcher);
  }

  /**
   * The opening that holds `now`, or the next one. For a schedule: the first opening after
   * now - duration (any later opening that had begun by now would also hold it). Cached until it ends.
   */
  opening(now: number): Opening {
    const c = this.cached;
    if (c && now >= c.computedAt && now < c.end) return c;
    const ms = this.config.duration.ms;
    if (this.config.start !== undefined) {
      const start = Date.parse(this.config.start);
      this.cached = { start, end: start + ms, computedAt: now };
      return this.cached;
    }
    const tz = this.config.timezone ?? 'UTC';
    // From a little before now - duration: an opening that began earlier but runs on into now is joined below.
    const expr = cronParser().parse(this.config.schedule!, { currentDate: new Date(now - ms), tz });
    const setHours = expr.fields.hour.values.length < 24;
    const next = (e: CronExpression): number => {
      for (let i = 0; i < 4; i++) {
        const t = e.next().getTime();
        if (!setHours || !repeatedWallTime(tz, t)) return t;
      }
      return e.next().getTime();
    };
    const start = next(expr);
    let end = start + ms;
    for (let i = 0; i < MAX_JOINED; i++) {
      const peek = cronParser().parse(this.config.schedule!, { currentDate: new Date(end - ms), tz });
      const following = next(peek);
      if (following >= end) break;
      end = following + ms;
    }
    this.cached = { start, end, computedAt: now };
    return this.cached;
  }

  covers(labels: Record<string, string>, now: number): boolean {
    const o = this.opening(now);
    return o.start <= now && now < o.end && this.matchers.every((m) => matches(m, labels));
  }

  status(now: number): MaintenanceStatus {
    const o = this.opening(now);
    const state = now < o.start ? 'scheduled' : now < o.end ? 'open' : 'over';
    return {
      name: this.config.name, state, starts_at: new Date(o.start).toISOString(), ends_at: new Date(o.end).toISOString(),
      schedule: this.config.schedule ?? null, timezone: this.config.schedule ? this.config.timezone ?? 'UTC' : null, matchers: this.matchers.map(formatMatcher), comment: this.config.comment,
    };
  }
}

export class MaintenanceWindows {
  private readonly windows: MaintenanceWindow[];

  constructor(configs: readonly MaintenanceWindowConfig[]) {
    this.windows = configs.map((c) => new MaintenanceWindow(c));
  }

  /** The name of an open window that matches these labels, if any. */
  covering(labels: Record<string, string>, now: number): string | undefined {
    return this.windows.find((w) => w.covers(labels, now))?.config.name;
  }

  /** Each window's current or next opening; a single window that is over is listed for a day after. */
  status(now: number): MaintenanceStatus[] {
    return this.windows.map((w) => w.status(now)).filter((s) => s.state !== 'over' || now - Date.parse(s.ends_at) < 24 * 3600_000);
  }

  /** Whether each window is open now, for the metric. */
  openNow(now: number): Array<{ name: string; open: boolean }> {
    return this.windows.map((w) => ({ name: w.config.name, open: w.status(now).state === 'open' }));
  }
}
