/**
 * `kind: http`: lines posted to `POST /api/logs` by a log shipper (Vector's or
 * Fluent Bit's HTTP sink, a Fly log shipper): newline-delimited text or JSON lines,
 * or a JSON array of records. The route lives in the server (src/server/logs.ts);
 * this part turns a body into lines.
 */
import type { Config } from '../../config/schema.js';
import { LineSplitter } from '../line.js';
import type { LogSource, SourceEvents, SourceSink } from './types.js';

type HttpSourceConfig = Extract<Config['logs']['sources'][number], { kind: 'http' }>;

export class HttpSource implements LogSource {
  readonly name: string;

  constructor(readonly cfg: HttpSourceConfig, private readonly maxLineBytes: number, private readonly sink: SourceSink, private readonly events: SourceEvents) {
    this.name = cfg.name;
  }

  async start(): Promise<void> { this.events.up(true); }
  async stop(): Promise<void> { this.events.up(false); }

  /** Lines in one request body; returns how many were taken. */
  ingest(body: Buffer): number {
    let count = 0;
    // A JSON array of records; anything else, including text whose first line starts with `[`
    // (Logger's `[info] ...` when the shipper sends bare messages), is lines.
    const records = body.subarray(0, 64).toString('utf8').trimStart().startsWith('[') ? jsonArray(body) : undefined;
    if (records) {
      for (const r of records) {
        const line = typeof r === 'string' ? r : JSON.stringify(r);
        const bytes = Buffer.byteLength(line);
        if (bytes > this.maxLineBytes) this.sink.cut(1);
        this.sink.line(bytes > this.maxLineBytes ? Buffer.from(line).subarray(0, this.maxLineBytes).toString('utf8') : line, bytes, false);
        count++;
      }
    } else {
      let cutSeen = 0;
      const splitter: LineSplitter = new LineSplitter(this.maxLineBytes, (line, bytes, clean) => {
        if (splitter.cut !== cutSeen) { this.sink.cut(splitter.cut - cutSeen); cutSeen = splitter.cut; }
        this.sink.line(line, bytes, clean);
        count++;
      });
      splitter.push(body);
      splitter.end();
    }
    this.sink.idle();
    return count;
  }
}

function jsonArray(body: Buffer): unknown[] | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
