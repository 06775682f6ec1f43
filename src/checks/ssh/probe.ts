/**
 * `kind: ssh`: the SSH login path, which for Foglet is the product. One run:
 * TCP connect, SSH handshake (host key held against the pin before any credential
 * is sent), public-key auth, a PTY shell, the rendered screen matched against
 * `expect_screen` (after the in-TUI password login when configured), then a clean
 * leave so the next probe is not a "replaced session". Never retried within a run:
 * Foglet's rate limit is shared.
 */
import net from 'node:net';
import ssh2, { type ClientChannel } from 'ssh2';
import type { SshCheckConfig } from './schema.js';
import { SSH_IDENT } from '../../version.js';
import { classifyNetworkError, rootMessage } from '../errors.js';
import { recognizeRejection } from './foglet-texts.js';
import { Screen, screenMatcher } from './screen.js';
import {
  algorithmOf, fingerprintOf, MemoryPins, mismatchMessage, verifyHostKey, type HostKeyFacts, type HostKeyPins, type PinVerdict,
} from './hostkey.js';
import { loadClientKey } from './keys.js';
import { PhaseClock, type FailureReason, type Probe, type ProbeContext, type ProbeDeps, type ProbeDetails, type ProbeOutcome } from '../types.js';

type SshPhase = 'connect' | 'handshake' | 'auth' | 'session' | 'screen';

/** How long a clean leave may take after success; it is not part of any phase. */
const LEAVE_MS = 1000;

class ProbeFailure extends Error {
  constructor(readonly reason: FailureReason, message: string) { super(message); }
}

export class SshProbe implements Probe {
  readonly kind = 'ssh';
  readonly target: string;
  private readonly pins: HostKeyPins;

  constructor(private readonly cfg: SshCheckConfig, private readonly deps: ProbeDeps) {
    this.target = `${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${cfg.port}`;
    this.pins = deps.hostKeyPins ?? new MemoryPins();
  }

  run(ctx: ProbeContext): Promise<ProbeOutcome> {
    return new SshRun(this.cfg, this.deps, this.pins, this.target, ctx.signal).execute();
  }
}

/** The state of one run; everything it opens is closed in `cleanup`. */
class SshRun {
  private readonly clock = new PhaseClock<SshPhase>();
  private readonly details: ProbeDetails = {};
  private readonly screen: Screen;
  private readonly conn = new ssh2.Client();
  private sock: net.Socket | undefined;
  private stream: ClientChannel | undefined;
  private phaseTimer: NodeJS.Timeout | undefined;
  private failure: ProbeFailure | undefined;
  private rejectFailed!: (f: ProbeFailure) => void;
  private readonly failed: Promise<never>;
  private hostKey: (HostKeyFacts & { verdict: PinVerdict }) | undefined;
  private outputBytes = 0;
  private waiter: { pattern: string; match: (t: string) => boolean; resolve: () => void } | undefined;
  private channelClosed = false;

  constructor(
    private readonly cfg: SshCheckConfig,
    private readonly deps: ProbeDeps,
    private readonly pins: HostKeyPins,
    private readonly target: string,
    private readonly signal: AbortSignal,
  ) {
    this.screen = new Screen(cfg.terminal.cols, cfg.terminal.rows);
    this.failed = new Promise<never>((_, reject) => { this.rejectFailed = reject; });
    this.failed.catch(() => {});
  }

  async execute(): Promise<ProbeOutcome> {
    const onAbort = () => this.timedOut();
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.signal.aborted) this.timedOut();
      const key = await this.step(loadClientKey(this.cfg, this.deps.baseDir).catch((e: Error) => {
        throw new ProbeFailure('auth_failed', e.message);
      }));
      this.details.client_key = { algorithm: key.algorithm, ephemeral: key.ephemeral };

      this.enter('connect');
      this.sock = await this.step(this.connectTcp());

      this.enter('handshake');
      this.sniffServerVersion(this.sock);
      this.conn.on('error', (err: Error & { level?: string }) => this.onConnError(err));
      this.conn.on('close', () => {
        if (this.clock.phase !== 'handshake') return this.fail(this.closedReason(), `connection closed by the server during ${this.clock.phase ?? 'the probe'}`);
        // A reset may still be on its way from the socket: give it the turn, so the message names it.
        setImmediate(() => this.handshakeBroken());
      });
      const handshake = new Promise<void>((resolve) => this.conn.once('handshake', (negotiated) => {
        this.details.algorithms = negotiated;
        resolve();
      }));
      const ready = new Promise<void>((resolve) => this.conn.once('ready', () => resolve()));
      this.conn.connect({
        sock: this.sock,
        username: this.cfg.username,
        privateKey: key.privateKey,
        passphrase: key.passphrase,
        authHandler: ['publickey'],
        tryKeyboard: false,
        // Our own timers bound the run; ssh2's must never fire first.
        readyTimeout: 2 ** 31 - 1,
        keepaliveInterval: 0,
        hostVerifier: (blob: Buffer) => this.checkHostKey(blob),
        ident: SSH_IDENT,
        ...(this.cfg.host_key_algorithms ? { algorithms: { serverHostKey: this.cfg.host_key_algorithms as never } } : {}),
      });
      await this.step(handshake);

      this.enter('auth');
      await this.step(ready);

      this.enter('session');
      this.stream = await this.step(this.openShell());

      this.enter('screen');
      const login = this.cfg.login;
      if (login) {
        await this.step(this.waitFor(login.prompt));
        this.stream.write(login.key);
        await this.step(this.waitFor(login.form));
        this.stream.write(`${login.handle}\t${login.password}\r`);
      }
      await this.step(this.waitFor(this.cfg.expect_screen));
      this.clock.end();
      this.clearPhaseTimer();
      this.details.screen = this.evidence();
      await this.leave();
      return { ok: true, phases: this.clock.phases, details: this.details, message: 'reached the expected screen' };
    } catch (e) {
      const f = e instanceof ProbeFailure ? e : new ProbeFailure('protocol_error', rootMessage(e));
      const phase = this.clock.phase;
      this.clock.end();
      if (!this.screen.isBlank()) this.details.screen = this.evidence();
      if (phase) this.details.phase = phase;
      return { ok: false, reason: f.reason, message: f.message, phases: this.clock.phases, details: this.details };
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      this.cleanup();
    }
  }

  /** Waits for `p`, unless the run has failed first. */
  private step<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failed]);
  }

  private fail(reason: FailureReason, message: string): void {
    if (this.failure) return;
    this.failure = new ProbeFailure(reason, message);
    this.rejectFailed(this.failure);
  }

  private enter(phase: SshPhase): void {
    this.clock.start(phase);
    this.clearPhaseTimer();
    const limit = this.cfg.phase_timeouts[phase];
    if (limit) {
      this.phaseTimer = setTimeout(() => this.timedOut(`phase ${phase} took longer than its ${limit} budget`), limit.ms);
    }
  }

  private clearPhaseTimer(): void {
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
  }

  /** A timeout in the screen phase says what the screen showed; elsewhere it names the phase. */
  private timedOut(why?: string): void {
    const phase = this.clock.phase ?? 'connect';
    const what = why ?? `timed out after ${this.cfg.timeout} in phase ${phase}`;
    if (phase !== 'screen') return this.fail('timeout', what);
    if (this.screen.isBlank()) return this.fail('screen_timeout', `${what}: the server drew nothing`);
    const rejection = recognizeRejection(this.screen.text());
    if (rejection) return this.fail(rejection.reason, `${rejection.text} (${rejection.meaning})`);
    this.fail('screen_mismatch', `${what}: the screen never showed ${JSON.stringify(this.waitingFor())}`);
  }

  private waitingFor(): string {
    return this.waiter?.pattern ?? this.cfg.expect_screen;
  }

  private connectTcp(): Promise<net.Socket> {
    return new Promise((resolve) => {
      // Small interactive writes (keys, window changes) must not wait on Nagle and delayed
      // ACKs, as OpenSSH's interactive sessions do not: that costs ~200 ms a phase.
      const sock = net.connect({ host: this.cfg.host, port: this.cfg.port, noDelay: true });
      this.sock = sock;
      sock.once('connect', () => resolve(sock));
      sock.once('error', (err) => {
        // ECONNRESET on connect: the server accepted and reset at once, before Node saw the
        // connection (a daemon with no usable host key does this). Its break, not the network's.
        if (this.clock.phase === 'handshake' || (this.clock.phase === 'connect' && (err as NodeJS.ErrnoException).code === 'ECONNRESET')) return this.handshakeBroken(err);
        const reason = classifyNetworkError(err, this.clock.phase !== 'connect');
        this.fail(reason, rootMessage(err));
      });
    });
  }

  /** Reads the server's identification line ("SSH-2.0-...") as it passes to ssh2. */
  private sniffServerVersion(sock: net.Socket): void {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      const line = seen.split('\n').find((l) => l.startsWith('SSH-'));
      if (line) this.details.server_version = line.trim().slice(0, 255);
      if (line || seen.length > 8192) sock.off('data', onData);
    };
    sock.on('data', onData);
  }

  private checkHostKey(blob: Buffer): boolean {
    const seen = { algorithm: algorithmOf(blob), fingerprint: fingerprintOf(blob) };
    const verdict = verifyHostKey(this.cfg.host_key, seen, this.target, this.pins);
    this.hostKey = { ...seen, verdict };
    this.details.host_key = { ...seen, matched: verdict.ok, mode: verdict.mode, expected: verdict.expected, ...(verdict.pinnedNow ? { pinned_now: true } : {}) };
    if (!verdict.ok) this.fail('hostkey_mismatch', mismatchMessage(verdict.expected, seen));
    return verdict.ok;
  }

  private onConnError(err: Error & { level?: string }): void {
    if (this.hostKey && !this.hostKey.verdict.ok) return; // already failed with hostkey_mismatch
    const level = err.level ?? '';
    if (level === 'client-authentication') return this.fail('auth_failed', `public key refused (${err.message})`);
    if (level === 'client-timeout') return this.timedOut();
    // ssh2's word for a socket that ended before the server's banner: the same break as a
    // reset, so the same message (the reset itself, if one is coming, gets the turn first).
    if (this.clock.phase === 'handshake' && /^Connection lost before handshake/.test(err.message)) {
      setImmediate(() => this.handshakeBroken());
      return;
    }
    if (level === 'protocol' || level === 'handshake') {
      const reason = this.clock.phase === 'handshake' || level === 'handshake' ? 'handshake_failed' : 'protocol_error';
      return this.fail(reason, `${err.message}${this.details.server_version ? ` (server ${this.details.server_version})` : ''}`);
    }
    if (level === 'client-socket') {
      if (this.clock.phase === 'handshake') return this.handshakeBroken(err);
      return this.fail(classifyNetworkError(err, true), rootMessage(err));
    }
    this.fail(this.clock.phase === 'handshake' ? 'handshake_failed' : 'protocol_error', rootMessage(err));
  }

  /**
   * The connection broke before the key exchange completed. The socket's reset and ssh2's
   * close race each other (which comes first varies run to run): both are this one reason,
   * with the low-level error in the message when there is one.
   */
  private handshakeBroken(err?: Error): void {
    const server = this.details.server_version ? ` (server ${this.details.server_version})` : '';
    this.fail('handshake_failed', `the connection ${err ? `failed (${rootMessage(err)})` : 'was closed by the server'} before the key exchange completed${server}`);
  }

  private closedReason(): FailureReason {
    switch (this.clock.phase) {
      case 'handshake': return 'handshake_failed';
      case 'auth': return 'auth_failed';
      default: return 'session_rejected';
    }
  }

  private openShell(): Promise<ClientChannel> {
    const { term, cols, rows } = this.cfg.terminal;
    return new Promise((resolve) => {
      this.conn.shell({ term, cols, rows, width: 0, height: 0 }, (err, stream) => {
        if (err) return this.fail('session_rejected', `the server refused the session: ${err.message}`);
        stream.on('data', (d: Buffer) => this.onOutput(d));
        stream.stderr.on('data', (d: Buffer) => this.onOutput(d));
        stream.on('close', () => this.onChannelClosed());
        resolve(stream);
      });
    });
  }

  private onOutput(data: Buffer): void {
    this.outputBytes += data.length;
    if (this.outputBytes > this.cfg.max_output_bytes) {
      return this.fail('protocol_error', `the server sent more than ${this.cfg.max_output_bytes} bytes without showing the expected screen`);
    }
    void this.screen.write(data).then(() => this.evaluate());
  }

  /** After each rendered write: a known rejection text fails at once; the awaited text resolves the wait. */
  private evaluate(): void {
    if (this.failure) return;
    const text = this.screen.text();
    const rejection = recognizeRejection(text);
    if (rejection) return this.fail(rejection.reason, `${rejection.text} (${rejection.meaning})`);
    if (this.waiter?.match(text)) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve();
    }
  }

  private onChannelClosed(): void {
    this.channelClosed = true;
    void this.screen.settled().then(() => {
      this.evaluate();
      if (this.failure || !this.waiter) return;
      if (this.screen.isBlank()) {
        this.fail('session_rejected', 'the server closed the session without drawing a screen (on Foglet usually the database: check Repo errors in the logs)');
      } else {
        this.fail('screen_mismatch', `the server closed the session; the screen never showed ${JSON.stringify(this.waitingFor())}`);
      }
    });
  }

  private waitFor(pattern: string): Promise<void> {
    const match = screenMatcher(pattern);
    return new Promise((resolve) => {
      this.waiter = { pattern, match, resolve };
      void this.screen.settled().then(() => {
        this.evaluate();
        if (this.channelClosed) this.onChannelClosed();
      });
    });
  }

  /** The rendered screen, with the login password scrubbed in case the TUI echoed it. */
  private evidence(): string {
    let text = this.screen.snapshot();
    const pw = this.cfg.login?.password;
    if (pw) text = text.split(pw).join('<redacted>');
    return text;
  }

  /** Quit keys, then close the channel and the connection, waiting briefly so the server sees a clean end. */
  private async leave(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    if (this.cfg.quit_keys) stream.write(this.cfg.quit_keys);
    this.conn.removeAllListeners('error');
    this.conn.on('error', () => {});
    this.conn.removeAllListeners('close');
    const done = new Promise<void>((resolve) => this.conn.once('close', () => resolve()));
    stream.end();
    this.conn.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => { timer = setTimeout(r, LEAVE_MS); })]);
    clearTimeout(timer);
  }

  private cleanup(): void {
    this.clearPhaseTimer();
    this.waiter = undefined;
    this.conn.removeAllListeners();
    this.conn.on('error', () => {});
    this.stream?.removeAllListeners();
    this.stream?.stderr.removeAllListeners();
    try { this.conn.end(); } catch { /* already closed */ }
    this.sock?.destroy();
    this.screen.dispose();
  }
}

export const createSshProbe = (cfg: SshCheckConfig, deps: ProbeDeps): Probe => new SshProbe(cfg, deps);
