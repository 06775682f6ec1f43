/**
 * `kind: command`: runs a command that streams logs (`fly logs -a foglet-bbs`,
 * `journalctl -f -u foglet -o cat`, `docker logs -f foglet`, `kubectl logs -f ...`),
 * reads stdout and stderr line by line, and restarts it with exponential backoff
 * when it exits (the backoff resets once a run has lasted a minute). Lines are
 * handled as they arrive, and each is capped at max_line_bytes, so a flood costs
 * CPU, not memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../../config/schema.js';
import { LineSplitter } from '../line.js';
import type { LogSource, SourceEvents, SourceSink } from './types.js';

type CommandSourceConfig = Extract<Config['logs']['sources'][number], { kind: 'command' }>;

const STABLE_RUN_MS = 60_000;

export class CommandSource implements LogSource {
  readonly name: string;
  private child: ChildProcess | undefined;
  private running = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Runs started: every one after the first is a restart. */
  private starts = 0;

  constructor(
    private readonly cfg: CommandSourceConfig,
    private readonly maxLineBytes: number,
    private readonly sink: SourceSink,
    private readonly events: SourceEvents,
  ) {
    this.name = cfg.name;
    this.backoffMs = cfg.restart_backoff.initial.ms;
  }

  async start(): Promise<void> {
    this.running = true;
    this.spawnOnce();
  }

  private spawnOnce(): void {
    if (!this.running) return;
    const [cmd, ...args] = this.cfg.command;
    const startedAt = Date.now();
    this.starts++;
    if (this.starts > 1) this.events.restart?.();
    // Its own process group, so that stop() reaches what a wrapper script started too
    // (a `sleep` or `yes` left behind would hold the pipes open). If the monitor dies,
    // such children get SIGPIPE on their next write.
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.cfg.env }, detached: true });
    this.child = child;
    const splitters = [child.stdout, child.stderr].map((stream) => {
      let cutSeen = 0;
      const splitter: LineSplitter = new LineSplitter(this.maxLineBytes, (line, bytes, clean) => {
        if (splitter.cut !== cutSeen) { this.sink.cut(splitter.cut - cutSeen); cutSeen = splitter.cut; }
        this.sink.line(line, bytes, clean);
      }, 0, this.sink.bulk);
      stream.on('data', (d: Buffer) => { splitter.push(d); this.sink.idle(); });
      return splitter;
    });
    this.exited = new Promise<void>((resolve) => {
      let spawnError: Error | undefined;
      child.once('spawn', () => this.events.up(true));
      child.once('error', (e) => { spawnError = e; });
      child.once('close', (code, signal) => {
        for (const s of splitters) s.end();
        this.sink.idle();
        this.events.up(false);
        this.child = undefined;
        resolve();
        if (!this.running) return;
        if (Date.now() - startedAt >= STABLE_RUN_MS) this.backoffMs = this.cfg.restart_backoff.initial.ms;
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.cfg.restart_backoff.max.ms);
        this.events.warn({ source: this.name, code, signal, err: spawnError?.message, restart_in_ms: delay },
          'log command exited; restarting it');
        this.restartTimer = setTimeout(() => this.spawnOnce(), delay);
      });
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child) {
      signalGroup(child, 'SIGTERM');
      const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), 3000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is gone already, or never formed
  }
}
