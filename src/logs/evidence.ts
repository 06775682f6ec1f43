/**
 * Log lines leave the monitor only as evidence, and Foglet's logs can carry secrets
 * (a DATABASE_URL with its password, a SECRET_KEY_BASE printed by a crash dump).
 * These are scrubbed before a line is attached to a signal.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]+@/gi;
const KEY_VALUE = /\b((?:SECRET_KEY_BASE|DATABASE_URL|[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY))\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/g;
const LOWER_KEY_VALUE = /\b((?:password|passwd|secret|token|api_key|secret_key_base)\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,}]+)/gi;

export function redactLogLine(line: string): string {
  return line
    .replace(URL_PASSWORD, '$1<redacted>@')
    .replace(KEY_VALUE, (_m, k: string) => `${k}<redacted>`)
    .replace(LOWER_KEY_VALUE, (_m, k: string) => `${k}<redacted>`);
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
