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
import { RE2JS } from 're2js';

/** What a matcher from a user needs to be: a native RegExp is one too. */
export interface TextMatcher {
  test(text: string): boolean;
}

const FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, s: RE2JS.DOTALL, m: RE2JS.MULTILINE };
/** JavaScript flags that change nothing here: Unicode is always on, and a test is not global. */
const IGNORED = new Set(['u', 'g', 'y', 'd', 'v']);

/** Compiles a user's pattern for linear-time matching; throws an Error that says what is wrong. */
export function linearRegex(pattern: string, flags = ''): TextMatcher {
  let bits = 0;
  for (const f of flags) {
    if (FLAGS[f] !== undefined) bits |= FLAGS[f]!;
    else if (!IGNORED.has(f)) throw new Error(`unknown regular expression flag ${JSON.stringify(f)}`);
  }
  try {
    return RE2JS.compile(pattern, bits);
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /\(\?[=!<]|Perl syntax|escape sequence: `\\[1-9]`|named capture: `\(\?<[=!]/.test(why)
      ? ' (lookarounds and backreferences cannot run in linear time; user patterns run on a linear-time engine so that no input can stall the monitor)'
      : '';
    throw new Error(`${why}${hint}`);
  }
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

/** Several patterns as one (for a first test of every log line): each keeps its own case rule. */
export function linearAny(patterns: Array<{ pattern: string; ignoreCase?: boolean }>): TextMatcher | undefined {
  if (patterns.length === 0) return undefined;
  return linearRegex(patterns.map((p) => `(?${p.ignoreCase ? 'i' : ''}:${p.pattern})`).join('|'));
}
