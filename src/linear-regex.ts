/**
 * Regular expressions that come from users (log rules, `expect.body`, `expect_screen`,
 * silence matchers from the config, the API and the CLI) run on RE2JS, a linear-time
 * engine: no input can make one backtrack, so one log line, one response body or one
 * label can never stall the monitor, which has one thread for everything. RE2's syntax
 * is JavaScript's but for lookarounds and backreferences, which cannot run in linear
 * time: a pattern using them is refused where it is loaded, with the reason.
 *
 * Why RE2JS (measured, Node 20, a 90-byte log line): V8's own linear engine
 * (`--enable-experimental-regexp-engine`, or its fallback on excessive backtracks) takes
 * 8.6 µs a test and has no Unicode mode; re2-wasm copies every input into WebAssembly
 * (32 µs for a 70 KB event against 11 µs); recheck proves a pattern safe or not but
 * times out on some and costs seconds at start. RE2JS, pure JavaScript, took 0.6 µs for
 * five rules joined, 30 ms for `^(a+)+$` against 100,000 a's (V8's backtracking engine:
 * centuries), and keeps the built-in pack (checked by recheck in the test suite) on V8.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

let loaded: typeof RE2JS | undefined;
/** Loaded at the first user pattern: a run with none (a `scan` with the built-in pack) does not pay for it. */
function engine(): typeof RE2JS {
  return loaded ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS;
}

/** What a matcher from a user needs to be: a native RegExp is one too. */
export interface TextMatcher {
  test(text: string): boolean;
}

const FLAGS: Record<string, 'CASE_INSENSITIVE' | 'DOTALL' | 'MULTILINE'> = { i: 'CASE_INSENSITIVE', s: 'DOTALL', m: 'MULTILINE' };
/** JavaScript flags that change nothing here: Unicode is always on, and a test is not global. */
const IGNORED = new Set(['u', 'g', 'y', 'd', 'v']);

/**
 * Linear is not cheap: the time is the input's length times the compiled program's size, and a
 * counted repeat multiplies the size (`(?:.{0,1000}){4}` is 8,004 instructions: 7 s for one
 * 64 KB line). A pattern is refused past MAX_INSTRUCTIONS, which keeps a 64 KB line under about
 * a second at worst; ordinary rules are 10-100 (`Postgrex.Protocol.*failed to connect`: 38).
 */
export const MAX_INSTRUCTIONS = 1000;
/** All of a user's log rules together (they are joined for a first test of every event). */
export const MAX_JOINED_INSTRUCTIONS = 8000;

/** Compiles a user's pattern for linear-time matching; throws an Error that says what is wrong. */
export function linearRegex(pattern: string, flags = '', maxInstructions = MAX_INSTRUCTIONS): TextMatcher {
  let bits = 0;
  for (const f of flags) {
    if (FLAGS[f] !== undefined) bits |= engine()[FLAGS[f]!];
    else if (!IGNORED.has(f)) throw new Error(`unknown regular expression flag ${JSON.stringify(f)}`);
  }
  let re: RE2JS;
  try {
    re = engine().compile(pattern, bits);
  } catch (e) {
    const said = (e as Error).message.replace(/^error parsing regexp: /, '');
    // RE2's message quotes the pattern's text: a long one is cut, so that a hostile pattern cannot flood the error.
    const why = said.length > 300 ? `${said.slice(0, 300)}...` : said;
    const hint = /\(\?[=!<]|Perl syntax|escape sequence: `\\[1-9]`|named capture: `\(\?<[=!]/.test(why)
      ? ' (lookarounds and backreferences cannot run in linear time; user patterns run on a linear-time engine so that no input can stall the monitor)'
      : '';
    throw new Error(`${why}${hint}`);
  }
  const size = programSize(re);
  if (size !== undefined && size > maxInstructions) {
    throw new Error(`the pattern compiles to ${size} instructions, more than ${maxInstructions}: matching costs its size times each line's length (a large counted repeat such as {0,1000} is the usual cause; use * or + where the count does not matter)`);
  }
  return re;
}

/** The compiled program's size, from RE2JS's internals (undefined if a version moves them: no cap then). */
function programSize(re: RE2JS): number | undefined {
  const n = (re as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst?.length;
  return typeof n === 'number' ? n : undefined;
}

/** Why a pattern cannot be used, or undefined when it can. */
export function linearRegexProblem(pattern: string, flags = ''): string | undefined {
  try {
    linearRegex(pattern, flags);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Why several patterns cannot be joined (too large together), or undefined when they can. */
export function linearAnyProblem(patterns: Array<{ pattern: string; ignoreCase?: boolean }>): string | undefined {
  try {
    linearAny(patterns);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Several patterns as one test (the first test of every log event), each with its own case
 * rule. Their programs together may be at most MAX_JOINED_INSTRUCTIONS: what one event costs.
 * Joined into one expression where RE2 takes the join; patterns that are each valid may not
 * join (an unclosed `\Q` quotes the group's closing parenthesis, two patterns name the same
 * capture group), and then each is tested in turn: the same answer, never a refusal.
 */
export function linearAny(patterns: Array<{ pattern: string; ignoreCase?: boolean; compiled?: TextMatcher }>): TextMatcher | undefined {
  if (patterns.length === 0) return undefined;
  // `compiled`: the caller's own matcher of the pattern (a RuleSet has them), not compiled again.
  const each = patterns.map((p) => (p.compiled ?? linearRegex(p.pattern, p.ignoreCase ? 'i' : '')) as RE2JS);
  const total = each.reduce((sum, re) => sum + (programSize(re) ?? 0), 0);
  if (total > MAX_JOINED_INSTRUCTIONS) {
    throw new Error(`the patterns compile to ${total} instructions together, more than ${MAX_JOINED_INSTRUCTIONS}: every log event is tested against all of them (fewer rules, or simpler patterns)`);
  }
  try {
    return linearRegex(patterns.map((p) => `(?${p.ignoreCase ? 'i' : ''}:${p.pattern})`).join('|'), '', Infinity);
  } catch {
    return { test: (text: string) => each.some((re) => re.test(text)) };
  }
}
