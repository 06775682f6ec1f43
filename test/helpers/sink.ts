import { Writable } from 'node:stream';

/** A stream that keeps what the logger writes, for assertions on log lines. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const l of chunk.toString('utf8').split('\n')) if (l) this.lines.push(l);
    done();
  }
  get text(): string { return this.lines.join('\n'); }
}
