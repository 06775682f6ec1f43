/**
 * Log lines leave the monitor only as evidence, and Foglet's logs can carry secrets
 * (a DATABASE_URL with its password, a SECRET_KEY_BASE printed by a crash dump).
 * These are scrubbed before a line is attached to a signal.
 */
import { credentialLike } from '../config/credential-like.js';

/**
 * A URL's password, up to the last `@` of the URL: a password with `@`, `/` or `?` left
 * unescaped is what makes Ecto raise Ecto.InvalidURLError, so the URLs that reach evidence are
 * often those (a user name with `@` likewise). Taking too much of a URL is the safe error.
 * Each part is bounded, so a line of many `x://` costs linear time.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]{0,20}:\/\/[^:/\s]{0,256}:)\S{1,256}@/gi;
/**
 * `key=value`, `key: value`, `"key":"value"`, `"key" => "value"` (JSON and Elixir maps with
 * string keys) where the key names a secret, also with a prefix (`smtp_password`, `X_API_KEY`).
 * The key's prefix is bounded: an unbounded one made a line of many short words quadratic.
 */
const KEY_VALUE = /\b((?:secret_key_base|database_url|[a-z0-9_.-]{0,128}(?:password|passwd|pass|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?))["']?\s{0,8}(?:=>|[=:])\s{0,8})((?:~c|<<)?"(?:[^"\\\n]|\\.)*"?(?:>>)?|'(?:[^'\\\n]|\\.)*'?|[^\s,}\]"']{1,4096})/gi;
/** An auth header's credential, or a bare `Bearer <token>`: the scheme stays, the credential goes (a word such as "Basic authentication" is no credential). */
const AUTH = /\b(Bearer|Basic|Token|Digest|ApiKey)(\s{1,8})([A-Za-z0-9._~+/=-]{8,4096})/g;
/** A command line's `--password X` (and --token, --secret, --db-password ...). */
const FLAG_VALUE = /(--?[a-z0-9-]{0,64}(?:password|passwd|token|secret)\s{1,8})(?!-)[^\s"']{1,4096}/gi;
/** A cookie header carries sessions (`name=value; ...`): its whole value goes. */
const COOKIE = /\b((?:Set-)?[Cc]ookie\s{0,8}:\s{0,8})([^\s=;:]{1,256}=[^\n]{0,8192})/g;

export function redactLogLine(line: string): string {
  return line
    .replace(URL_PASSWORD, '$1<redacted>@')
    .replace(COOKIE, '$1<redacted>')
    .replace(FLAG_VALUE, '$1<redacted>')
    .replace(AUTH, (m, scheme: string, space: string, cred: string) => (credentialLike(cred) ? `${scheme}${space}<redacted>` : m))
    .replace(KEY_VALUE, (_m, k: string, v: string) => `${k}${quoteOf(v)}<redacted>${quoteOf(v) ? closingOf(v) : ''}`);
}

function quoteOf(v: string): string {
  const m = /^(?:~c|<<)?["']/.exec(v);
  return m ? m[0] : '';
}

function closingOf(v: string): string {
  return `${v.startsWith("'") ? "'" : '"'}${v.startsWith('<<') ? '>>' : ''}`;
}

/** Recent lines of one source, by line number, for the context before a match. */
export class LineRing {
  private readonly lines: string[];
  private readonly numbers: number[];

  constructor(private readonly size = 256) {
    this.lines = new Array<string>(size);
    this.numbers = new Array<number>(size).fill(-1);
  }

  add(lineNo: number, text: string): void {
    const i = lineNo % this.size;
    this.lines[i] = text;
    this.numbers[i] = lineNo;
  }

  /**
   * Forgets every line: none can be asked for again (lines were passed over in bulk after
   * them). A line is a slice of its read chunk: held, it would keep the whole chunk alive, and
   * a ring of lines from 256 different chunks held 16 MB.
   */
  clear(): void {
    this.lines.fill('');
    this.numbers.fill(-1);
  }

  /** Up to `count` lines before `lineNo`, oldest first, those still held. */
  before(lineNo: number, count: number): string[] {
    const out: string[] = [];
    for (let n = Math.max(1, lineNo - count); n < lineNo; n++) {
      const i = n % this.size;
      if (this.numbers[i] === n) out.push(this.lines[i]!);
    }
    return out;
  }
}
