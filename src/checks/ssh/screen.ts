/**
 * A headless terminal (xterm.js) that renders what the server paints. Foglet draws
 * with cursor moves, so expected text is matched against the rendered screen, never
 * against the raw byte stream.
 */
import xterm from '@xterm/headless';
import { linearRegex } from '../../linear-regex.js';

const { Terminal } = xterm;

export class Screen {
  private readonly term: InstanceType<typeof Terminal>;
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly cols: number, readonly rows: number) {
    this.term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  }

  /** Feeds server output; resolves once it has been parsed into the screen. */
  write(data: Uint8Array | string): Promise<void> {
    this.pending = new Promise<void>((resolve) => this.term.write(data, resolve));
    return this.pending;
  }

  /** Resolves when everything written so far is on the screen. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** The visible screen, one string per row, trailing spaces trimmed. */
  lines(): string[] {
    const buf = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.rows; y++) out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  text(): string {
    return this.lines().join('\n');
  }

  isBlank(): boolean {
    return this.lines().every((l) => l.trim() === '');
  }

  /** The screen as evidence: rows up to the last non-blank one. */
  snapshot(): string {
    const lines = this.lines();
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    return lines.join('\n');
  }

  dispose(): void {
    this.term.dispose();
  }
}

/** A matcher for config patterns: plain text is a substring; "/re/flags" is a regular expression. */
export function screenMatcher(pattern: string): (text: string) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (m) {
    const re = linearRegex(m[1]!, m[2]); // a user's pattern: no screen can make it backtrack
    return (text) => re.test(text);
  }
  return (text) => text.includes(pattern);
}
