/**
 * Finds the prefilter's literals in a line's message, read in place in a chunk's bytes, so
 * that a quiet line (most lines of a healthy log) needs no work of its own.
 *
 * V8 runs the prefilter's joined literals at about 4 ns a byte, wherever it is run (a
 * line at a time or over a chunk): most of what a scan spent on a healthy line. This is
 * the classic multi-literal filter instead (Rabin-Karp's rolling window, as in
 * Wu-Manber): each literal is stood for by one of its 4-byte windows, hashed into a
 * bitmap of 65,536 bits (8 KiB, in the CPU's first cache); one pass over the bytes keeps
 * the last four in a word and tests the word's bit, and only a set bit is checked
 * against the literals that set it. ASCII letters are folded to lower case on both
 * sides, so a find is a superset of what the prefilter passes, case-sensitive or not.
 *
 * It also stops at every byte that makes a line need more than a slice to read: a control
 * character (cleaning), and a byte over 0x7f where that could hide a literal: always when a
 * literal has a character outside ASCII, and, matched without case, at the first byte of
 * U+017F and U+212A (which `/iu` matches as `s` and `k`). Other UTF-8 (`312µs`) cannot: an
 * ASCII byte always decodes as itself, and no other byte decodes as ASCII.
 */

const BITMAP_BITS = 16;
/** A window's four bytes, each folded, to a bit of the bitmap. */
function bucket(word: number): number {
  return Math.imul(word, 0x9e3779b1) >>> (32 - BITMAP_BITS);
}

/** In a fold table: a byte a find stops at. */
const STOP = 0;

/** Bytes to compare: ASCII capitals folded to small letters, stops, every other byte as it is. */
function foldTable(stopHigh: (b: number) => boolean): Uint8Array {
  return new Uint8Array(256).map((_, b) => {
    if ((b < 0x20 && b !== 9 && b !== 10) || b === 0x7f || (b >= 0x80 && stopHigh(b))) return STOP;
    return b >= 65 && b <= 90 ? b + 32 : b;
  });
}

/**
 * How often a character turns up in log lines, roughly (English letter frequencies, and the
 * digits and punctuation of timestamps, paths and key=value pairs): a literal is stood for by
 * its window of the rarest characters, so that healthy lines seldom hit a set bit (a window
 * of ` req` in `connection not available and req` was hit by every `request_id=`).
 */
function commonness(c: number): number {
  if (c === 32 || c === 101 || c === 116 || c === 97 || c === 111 || c === 105 || c === 110 || c === 115 || c === 114) return 10; // space e t a o i n s r
  if (c === 104 || c === 108 || c === 100 || c === 99 || c === 117 || c === 109) return 7; // h l d c u m
  if ((c >= 48 && c <= 57) || c === 61 || c === 46 || c === 58 || c === 47 || c === 95 || c === 45) return 7; // digits = . : / _ -
  if (c === 102 || c === 112 || c === 103 || c === 119 || c === 121 || c === 98 || c === 44 || c === 91 || c === 93 || c === 34) return 4; // f p g w y b , [ ] "
  return 2; // v k x j q z, capitals, other punctuation
}

/** Each character whose case pair is ASCII as that ASCII letter (`ſ` as `s`, `K` as `k`); the others as they are. */
function asciiFolded(literal: string): string {
  return Array.from(literal, (ch) => {
    if (ch.charCodeAt(0) < 0x80) return ch;
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    return lower.length === 1 && lower.charCodeAt(0) < 0x80 ? lower : upper.length === 1 && upper.charCodeAt(0) < 0x80 ? upper.toLowerCase() : ch;
  }).join('');
}

interface Candidate {
  /** The literal, folded. */
  bytes: Uint8Array;
  /** Where in the literal the window's last byte is. */
  back: number;
}

export class LiteralFinder {
  private readonly bitmap = new Int32Array(1 << (BITMAP_BITS - 5));
  private readonly candidates = new Map<number, Candidate[]>();
  private readonly fold: Uint8Array;

  /**
   * Undefined when a literal is shorter than a window (a user's rule requiring only `500`):
   * then nothing is passed over. `caseless`: the literals are matched without case.
   */
  static of(literals: Iterable<string>, caseless: boolean): LiteralFinder | undefined {
    const all = [...new Set(literals)];
    return all.some((l) => l.length < 4) ? undefined : new LiteralFinder(all, caseless);
  }

  private constructor(given: string[], caseless: boolean) {
    // Without case, `ſ` is an `s` and the Kelvin sign a `k` (to a user's rule on RE2 as to `/iu`):
    // such a literal is found in plain ASCII as its ASCII form (a trial's rule for "ſession" was
    // passed over on "SSH session started").
    const literals = caseless ? given.map(asciiFolded) : given;
    // eslint-disable-next-line no-control-regex
    const ascii = literals.filter((l) => /^[\t\x20-\x7e]+$/.test(l));
    this.fold = foldTable(ascii.length < literals.length ? () => true : caseless ? (b) => b === 0xc5 || b === 0xe2 : () => false);
    // A literal with a character a find stops at (a control character) needs no window: the find stops before it.
    for (const lit of ascii) {
      const bytes = Uint8Array.from(lit, (ch) => this.fold[ch.charCodeAt(0)]!);
      // The rarest-looking window, the last of equals.
      let back = 3;
      let best = Infinity;
      for (let end = 3; end < bytes.length; end++) {
        const score = commonness(bytes[end - 3]!) + commonness(bytes[end - 2]!) + commonness(bytes[end - 1]!) + commonness(bytes[end]!);
        if (score <= best) { best = score; back = end; }
      }
      const word = (bytes[back - 3]! << 24) | (bytes[back - 2]! << 16) | (bytes[back - 1]! << 8) | bytes[back]!;
      const b = bucket(word);
      this.bitmap[b >>> 5]! |= 1 << (b & 31);
      const list = this.candidates.get(b) ?? [];
      list.push({ bytes, back });
      this.candidates.set(b, list);
    }
  }

  /**
   * The index of the first byte at or after `from` that is a stop or the last byte of a
   * literal's window (a literal holds no newline: the line holding that byte holds the
   * literal), or `end`.
   */
  find(buf: Uint8Array, from: number, end: number): number {
    const { bitmap, fold } = this;
    let word = 0;
    for (let i = from; i < end; i++) {
      const f = fold[buf[i]!]!;
      if (f === STOP) return i;
      word = (word << 8) | f;
      const b = bucket(word);
      if ((bitmap[b >>> 5]! & (1 << (b & 31))) !== 0 && i - from >= 3 && this.verify(buf, i, b, end)) return i;
    }
    return end;
  }

  /** Whether `buf[from, end)` holds no byte a find stops at (no control character: nothing to clean). */
  clean(buf: Uint8Array, from: number, end: number): boolean {
    const fold = this.fold;
    for (let i = from; i < end; i++) if (fold[buf[i]!] === STOP) return false;
    return true;
  }

  private verify(buf: Uint8Array, at: number, b: number, end: number): boolean {
    for (const c of this.candidates.get(b)!) {
      const start = at - c.back;
      if (start < 0 || start + c.bytes.length > end) continue;
      let k = 0;
      while (k < c.bytes.length && this.fold[buf[start + k]!] === c.bytes[k]) k++;
      if (k === c.bytes.length) return true;
    }
    return false;
  }
}
