/**
 * The literal prefilter: most log lines are healthy, and a line can only take part in
 * a match if its message holds one of the literals that every match of some pattern
 * must contain (`Kernel pid terminated` for /Kernel pid terminated/, `ERROR ` or
 * `(Postgrex.Error)` for an alternation of both). One V8 test of all those literals,
 * joined as a trie, costs a third of the rules' joined expression; an event none of
 * whose lines passes is not matched at all (rules, contexts, restart markers).
 *
 * Sound by construction, the way RE2's and codesearch's prefilters are: the literals
 * are derived from each pattern's syntax tree (`@eslint-community/regexpp`), only
 * where a requirement is certain. A pattern with nothing required (`.*`, `\w+ed`), or
 * one that does not parse as a JavaScript pattern (a user's RE2-only syntax), turns the
 * prefilter off: every line is then matched, as before. Literals never hold a newline
 * (a match may span an event's lines, a literal is found in one message), and are
 * matched case-insensitively when any pattern is.
 */
import { createRequire } from 'node:module';
import type { AST, RegExpParser } from '@eslint-community/regexpp';

/** The strings a piece of pattern can match exactly (small sets only), or what any match of it must contain. */
interface Info {
  exact: Set<string> | null;
  required: Set<string> | null;
}

const NOTHING: Info = { exact: null, required: null };
const EMPTY: Info = { exact: new Set(['']), required: null };
/** Exact sets larger than this are given up (a cross product grows fast). */
const MAX_SET = 64;
/** Code points a small class may expand to. */
const MAX_CLASS = 10;
/** A literal longer than this is cut: its start is just as required, and the trie stays small. */
const MAX_LITERAL = 32;

/** Loaded at the first pattern not already known: the built-in packs' literals come worked out by the build. */
let parser: RegExpParser | undefined;

/** Each pattern's literals (null: none can be proven), as worked out here or by the build (literals.json). */
const known = new Map<string, string[] | null>();

/**
 * Literals the build worked out for the built-in packs' patterns: parsing ~150 patterns took
 * a fifth of `scan`'s start-up (and loading the parser a tenth more).
 */
export function primeLiterals(entries: Record<string, string[] | null>): void {
  for (const [source, lits] of Object.entries(entries)) known.set(source, lits);
}

/** Every pattern's literals worked out so far, for the build to write. */
export function knownLiterals(): Record<string, string[] | null> {
  return Object.fromEntries(known);
}

/**
 * The literals one of which every match of `source` (a `u`-mode pattern) contains, or
 * undefined when no such set can be proven (or the pattern does not parse).
 */
export function requiredLiterals(source: string): string[] | undefined {
  const had = known.get(source);
  if (had !== undefined) return had ?? undefined;
  const lits = workOut(source);
  if (known.size < 10_000) known.set(source, lits ?? null);
  return lits;
}

/** Worked out from the pattern, never from what is known already (the test of the build's literals compares the two). */
export function workOut(source: string): string[] | undefined {
  parser ??= new (createRequire(import.meta.url)('@eslint-community/regexpp') as typeof import('@eslint-community/regexpp')).RegExpParser({ ecmaVersion: 2024 });
  let ast: AST.Pattern;
  try {
    ast = parser.parsePattern(source, 0, source.length, { unicode: true });
  } catch {
    return undefined;
  }
  const top = alternatives(ast.alternatives);
  const best = choose([top.exact, top.required]);
  return best ? [...best] : undefined;
}

function alternatives(alts: AST.Alternative[]): Info {
  const infos = alts.map((a) => sequence(a.elements));
  if (infos.length === 1) return infos[0]!;
  let exact: Set<string> | null = new Set();
  for (const i of infos) {
    if (!i.exact || exact.size + i.exact.size > MAX_SET) { exact = null; break; }
    for (const s of i.exact) exact.add(s);
  }
  if (exact) return { exact, required: null };
  // Each alternative must contribute a requirement; one that has none makes the whole free.
  const required = new Set<string>();
  for (const i of infos) {
    const b = choose([i.exact, i.required]);
    if (!b) return NOTHING;
    for (const s of b) required.add(s);
  }
  return { exact: null, required };
}

function sequence(elements: AST.Element[]): Info {
  const candidates: Array<Set<string> | null> = [];
  let run = new Set(['']);
  let allExact = true;
  for (const el of elements) {
    const i = element(el);
    if (i.required) candidates.push(i.required);
    if (i.exact) {
      const next = new Set<string>();
      for (const a of run) for (const b of i.exact) next.add(cut(a + b));
      if (next.size <= MAX_SET) { run = next; continue; }
      candidates.push(run);
      run = new Set(i.exact);
      allExact = false;
      continue;
    }
    candidates.push(run);
    run = new Set(['']);
    allExact = false;
  }
  if (allExact) return { exact: run, required: null };
  candidates.push(run);
  return { exact: null, required: choose(candidates) };
}

function element(el: AST.Element): Info {
  switch (el.type) {
    case 'Character':
      return el.value === 10 ? NOTHING : { exact: new Set([String.fromCodePoint(el.value)]), required: null };
    case 'CharacterClass':
      return characterClass(el);
    case 'Assertion':
      return EMPTY; // zero-width: contributes no characters (a lookaround's content is not required)
    case 'Group':
    case 'CapturingGroup':
      return alternatives(el.alternatives);
    case 'Quantifier': {
      const inner = element(el.element);
      if (el.min === 0) return NOTHING;
      if (el.min === 1 && el.max === 1) return inner;
      return { exact: null, required: choose([inner.exact, inner.required]) };
    }
    default:
      return NOTHING; // . \d \w \s \p{..}, backreferences, set expressions
  }
}

function characterClass(el: AST.CharacterClass): Info {
  if (el.negate) return NOTHING;
  const out = new Set<string>();
  for (const e of el.elements) {
    if (e.type === 'Character') out.add(String.fromCodePoint(e.value));
    else if (e.type === 'CharacterClassRange' && e.max.value - e.min.value < MAX_CLASS) {
      for (let v = e.min.value; v <= e.max.value; v++) out.add(String.fromCodePoint(v));
    } else return NOTHING;
    if (out.size > MAX_CLASS) return NOTHING;
  }
  if (out.size === 0 || out.has('\n')) return NOTHING;
  return { exact: out, required: null };
}

/** At most MAX_LITERAL code points (a cut through a surrogate pair would match nothing). */
function cut(s: string): string {
  return s.length <= MAX_LITERAL ? s : Array.from(s).slice(0, MAX_LITERAL).join('');
}

/** The most selective of several necessary sets: the longest shortest literal, then the fewest. */
function choose(sets: Array<Set<string> | null>): Set<string> | null {
  let best: Set<string> | null = null;
  let bestScore = -Infinity;
  for (const s of sets) {
    if (!s || s.size === 0 || s.has('')) continue;
    let shortest = Infinity;
    for (const x of s) shortest = Math.min(shortest, x.length);
    const score = shortest * 1000 - s.size;
    if (score > bestScore) { bestScore = score; best = s; }
  }
  return best;
}

export interface PrefilterPattern {
  source: string;
  ignoreCase?: boolean;
}

/**
 * One test of a message against all patterns' literals. `test` true: some pattern may
 * match an event holding this message; false: none can.
 */
export class Prefilter {
  /** Undefined: off (some pattern requires nothing), every message passes. */
  readonly re: RegExp | undefined;
  /** The pattern that turned it off (it requires no literal, or is not JavaScript syntax). */
  readonly off: string | undefined;
  /** The literals it looks for (none when off). */
  readonly literals: readonly string[];
  /** They are matched without case (some pattern is). */
  readonly ignoreCase: boolean;

  constructor(patterns: PrefilterPattern[]) {
    const all = new Set<string>();
    let off: string | undefined;
    for (const p of patterns) {
      const lits = requiredLiterals(p.source);
      if (!lits) { off = p.source; break; }
      for (const l of lits) all.add(l);
    }
    this.off = off;
    this.literals = off === undefined ? [...all] : [];
    const ignoreCase = patterns.some((p) => p.ignoreCase);
    this.ignoreCase = ignoreCase;
    // Without `u`, V8 tests a plain alternation of literals in ~60% of the time (measured on
    // the bench file). Literals are matched code unit by code unit either way; only case
    // folding differs without `u` (the Kelvin sign, long s), so `i` keeps it.
    const unicode = ignoreCase;
    this.re = off === undefined && all.size > 0
      ? new RegExp(trie([...all], unicode), ignoreCase ? 'iu' : '')
      : undefined;
    this.none = off === undefined && all.size === 0;
  }

  /** No patterns at all: nothing can match. */
  private readonly none: boolean;

  test(message: string): boolean {
    if (this.none) return false;
    return this.re ? this.re.test(message) : true;
  }
}

/** The literals as one alternation factored by common prefixes: V8 then tests a prefix once. */
function trie(words: string[], unicode: boolean): string {
  interface TrieNode { end: boolean; next: Map<string, TrieNode> }
  const root: TrieNode = { end: false, next: new Map() };
  for (const w of words) {
    let n = root;
    for (const ch of w) {
      let c = n.next.get(ch);
      if (!c) { c = { end: false, next: new Map() }; n.next.set(ch, c); }
      n = c;
    }
    n.end = true;
  }
  const emit = (n: TrieNode): string => {
    if (n.end) return ''; // a word ends here: anything longer through it is found by this prefix
    const parts = [...n.next].map(([ch, c]) => escape(ch, unicode) + emit(c));
    return parts.length === 1 ? parts[0]! : `(?:${parts.join('|')})`;
  };
  return emit(root);
}

/**
 * A syntax character escaped, anything outside printable ASCII as a code point (u-mode
 * allows no other escapes) or, without `u`, as its UTF-16 code units.
 */
function escape(ch: string, unicode: boolean): string {
  if (/[\\^$.*+?()[\]{}|/]/.test(ch)) return `\\${ch}`;
  const c = ch.codePointAt(0)!;
  if (c >= 0x20 && c <= 0x7e) return ch;
  if (unicode) return `\\u{${c.toString(16)}}`;
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
