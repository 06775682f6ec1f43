/**
 * Silences, as Alertmanager's: label matchers (`=`, `!=`, `=~`, `!~`), a start and an
 * end, a comment and an author. A silenced alert keeps its state and shows in
 * /status; its notifications are not sent. Kept in the state file; expired ones are
 * listed for a day, then forgotten.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { linearRegex, linearRegexProblem, type TextMatcher } from '../linear-regex.js';
import { shown } from '../schema/fields.js';

export const matcherSchema = z.strictObject({
  name: z.string().max(128).regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name'),
  value: z.string().max(1024),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
}).superRefine((m, ctx) => {
  const problem = m.isRegex ? linearRegexProblem(anchored(m.value)) : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: `expected a valid regular expression: ${problem}`, path: ['value'] });
});

export const silenceInputSchema = z.strictObject({
  matchers: z.array(matcherSchema).min(1, 'expected at least one matcher').max(32),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }),
  comment: z.string().min(1, 'say why').max(1024),
  createdBy: z.string().min(1, 'say who').max(128),
});

export type Matcher = z.output<typeof matcherSchema>;
export type SilenceInput = z.input<typeof silenceInputSchema>;

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  updatedAt: string;
}

const FORGET_AFTER_MS = 24 * 3600_000;

/** Anchored, as Alertmanager's regex matchers are. */
function anchored(value: string): string {
  return `^(?:${value})$`;
}

/** Compiled once per pattern (silences are asked on every alert change and tick); on the linear-time engine. */
const compiled = new Map<string, TextMatcher | null>();
function regexOf(value: string): TextMatcher | null {
  let re = compiled.get(value);
  if (re === undefined) {
    // A pattern saved by an older version that this engine refuses matches nothing, rather than stalling.
    try { re = linearRegex(anchored(value)); } catch { re = null; }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(value, re);
  }
  return re;
}

export function matches(matcher: Matcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? '';
  const hit = matcher.isRegex ? regexOf(matcher.value)?.test(value) ?? false : value === matcher.value;
  return matcher.isEqual ? hit : !hit;
}

/** `check=ssh-login`, `severity!=info`, `check=~ssh-.*`, `rule!~smtp.*`, as amtool writes them. */
export function parseMatcher(text: string): Matcher {
  const m = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?$/.exec(text.trim());
  if (!m) throw new Error(`expected a matcher like check=ssh-login, check!=up, rule=~"smtp.*", got ${shown(text)}`);
  const [, name, op, value] = m;
  const matcher = { name: name!, value: value!, isRegex: op!.includes('~'), isEqual: !op!.startsWith('!') };
  const problem = matcher.isRegex ? linearRegexProblem(anchored(matcher.value)) : undefined;
  if (problem) throw new Error(`not a valid regular expression: ${shown(matcher.value)}: ${problem}`);
  return matcher;
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.isEqual ? '' : '!'}${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export class Silences {
  private silences: Silence[];

  constructor(saved: Silence[] | undefined, private readonly onChange: (all: Silence[]) => void, private readonly now: () => number = Date.now) {
    this.silences = (saved ?? []).filter((s) => s && typeof s.id === 'string');
  }

  add(input: z.output<typeof silenceInputSchema>): Silence {
    const now = this.now();
    const startsAt = input.startsAt ? Date.parse(input.startsAt) : now;
    const endsAt = Date.parse(input.endsAt);
    if (endsAt <= Math.max(startsAt, now)) throw new Error('endsAt must be in the future and after startsAt');
    const s: Silence = {
      id: randomUUID(),
      matchers: input.matchers,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      comment: input.comment,
      createdBy: input.createdBy,
      updatedAt: new Date(now).toISOString(),
    };
    this.silences.push(s);
    this.changed();
    return s;
  }

  /** Takes back a silence just added (it could not be saved): as if it had never been. */
  withdraw(id: string): void {
    this.silences = this.silences.filter((s) => s.id !== id);
    this.changed();
  }

  /** Ends a silence now; false when there is no such silence or it has ended already. */
  expire(id: string): boolean {
    const s = this.silences.find((x) => x.id === id);
    const now = this.now();
    if (!s || this.state(s, now) === 'expired') return false;
    s.endsAt = new Date(now).toISOString();
    if (Date.parse(s.startsAt) > now) s.startsAt = s.endsAt;
    s.updatedAt = s.endsAt;
    this.changed();
    return true;
  }

  list(): Array<Silence & { status: { state: SilenceState } }> {
    const now = this.now();
    const before = this.silences.length;
    this.silences = this.silences.filter((s) => now - Date.parse(s.endsAt) < FORGET_AFTER_MS);
    if (this.silences.length !== before) this.changed();
    return this.silences.map((s) => ({ ...s, status: { state: this.state(s, now) } }));
  }

  isSilenced(labels: Record<string, string>, now = this.now()): boolean {
    return this.silences.some((s) => this.state(s, now) === 'active' && s.matchers.every((m) => matches(m, labels)));
  }

  private state(s: Silence, now: number): SilenceState {
    if (now >= Date.parse(s.endsAt)) return 'expired';
    return now < Date.parse(s.startsAt) ? 'pending' : 'active';
  }

  private changed(): void {
    this.onChange(this.silences);
  }
}
