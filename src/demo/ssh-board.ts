/**
 * The fake board's SSH side (ssh2 server), behaving as Foglet does (foglet.md §2):
 * public-key auth only and any valid key accepted; a registered key lands on the
 * home screen, any other on the login screen; a PTY is required; `exec` is never
 * answered; one session per user. Fault modes reproduce Foglet's rejections.
 */
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { fingerprintOf } from '../checks/ssh/hostkey.js';
import { generateEd25519 } from '../checks/ssh/keys.js';
import { homeScreen, loginForm, loginScreen, tooSmallScreen } from './screens.js';

export const SSH_FAULTS = [
  'none',
  'rate_limited',      // "Rate limit exceeded. Try again later."
  'connection_limit',  // "Connection limit reached. Try again later."
  'ip_refused',        // "Connection refused." (IP access policy)
  'session_rejected',  // the channel closes with nothing drawn (the database is down)
  'no_screen',         // the shell opens and nothing is ever drawn
  'slow_screen',       // the screen comes after slowScreenMs
] as const;
export type SshFault = (typeof SSH_FAULTS)[number];

const REJECTION: Partial<Record<SshFault, string>> = {
  rate_limited: 'Rate limit exceeded. Try again later.\r\n',
  connection_limit: 'Connection limit reached. Try again later.\r\n',
  ip_refused: 'Connection refused.\r\n',
};

export interface SshBoardOptions {
  host?: string;
  port?: number;
  appName?: string;
  /** An OpenSSH private host key; one is generated when unset. */
  hostKey?: string;
}

export interface SshBoardStats {
  /** Every authentication request, of any method: a probe stopped at the host key sends none. */
  authAttempts: number;
  channelsOpened: number;
  /** Sessions a second login of the same user replaced (Foglet logs "replaced by new connection"). */
  replacedSessions: number;
  loginsOk: number;
  loginsFailed: number;
}

export class SshBoard {
  fault: SshFault = 'none';
  slowScreenMs = 3000;
  readonly stats: SshBoardStats = { authAttempts: 0, channelsOpened: 0, replacedSessions: 0, loginsOk: 0, loginsFailed: 0 };
  /** Public key blob (base64) -> handle, for keys registered to an active user. */
  readonly registeredKeys = new Map<string, string>();
  /** Handle -> password, for the in-TUI login. */
  readonly accounts = new Map<string, string>();
  private hostKey: string;
  private server: ssh2.Server | undefined;
  private port = 0;
  private readonly clients = new Set<Connection>();
  private readonly activeByUser = new Map<string, ServerChannel>();

  constructor(private readonly opts: SshBoardOptions = {}) {
    this.hostKey = opts.hostKey ?? generateEd25519().private;
  }

  /** Connected SSH clients: foglet_ssh_sessions_active on the board's metrics. */
  get activeSessions(): number { return this.clients.size; }

  get appName(): string { return this.opts.appName ?? 'Foglet BBS'; }
  get address(): { host: string; port: number } { return { host: this.opts.host ?? '127.0.0.1', port: this.port }; }

  /** The host key's fingerprint, as a probe or `ssh-keygen -l` shows it. */
  get hostKeyFingerprint(): string {
    const parsed = ssh2.utils.parseKey(this.hostKey);
    if (parsed instanceof Error) throw parsed;
    return fingerprintOf((Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH());
  }

  /** Registers a public key (OpenSSH "ssh-ed25519 AAAA..." line) to a handle. */
  registerKey(publicKeyLine: string, handle: string): void {
    const parsed = ssh2.utils.parseKey(publicKeyLine);
    if (parsed instanceof Error) throw parsed;
    this.registeredKeys.set((Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH().toString('base64'), handle);
  }

  async start(): Promise<void> {
    const server = new ssh2.Server({ hostKeys: [this.hostKey], ident: 'Erlang/5.2' }, (client) => {
      // As a real server does for interactive sessions: no Nagle delay on small writes.
      (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
      this.onClient(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port || this.opts.port || 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** The private host key (PEM), so that a test can put it back after a rotation. */
  get privateHostKey(): string { return this.hostKey; }

  /** A new host key on the same port: what a release that lost /data/ssh looks like. Given a key, that one comes back. */
  async rotateHostKey(key?: string): Promise<void> {
    await this.stop();
    this.hostKey = key ?? generateEd25519().private;
    await this.start();
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.end();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onClient(client: Connection): void {
    this.clients.add(client);
    let handle: string | undefined;
    client.on('error', () => {});
    client.on('close', () => this.clients.delete(client));
    client.on('authentication', (ctx) => {
      this.stats.authAttempts++;
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept(); // "would this key do?": any valid key would
      const key = ssh2.utils.parseKey(ctx.key.data);
      if (key instanceof Error || Array.isArray(key) || !ctx.blob) return ctx.reject(['publickey']);
      if (!key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.reject(['publickey']);
      handle = this.registeredKeys.get(ctx.key.data.toString('base64'));
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        let pty: { cols: number; rows: number } | undefined;
        session.on('pty', (ok, _reject, info) => { pty = { cols: info.cols, rows: info.rows }; ok?.(); });
        session.on('window-change', (ok, _reject, info) => { if (pty) { pty.cols = info.cols; pty.rows = info.rows; } ok?.(); });
        session.on('exec', () => { /* Foglet never answers exec: `ssh host cmd` hangs */ });
        session.on('shell', (ok) => {
          const stream = ok();
          this.stats.channelsOpened++;
          if (!pty) return; // shell without a PTY is only acknowledged
          this.runTui(stream, pty, handle);
        });
      });
    });
  }

  private runTui(stream: ServerChannel, pty: { cols: number; rows: number }, keyHandle: string | undefined): void {
    const rejection = REJECTION[this.fault];
    if (rejection) {
      stream.write(rejection);
      stream.close();
      return;
    }
    if (this.fault === 'session_rejected') return void stream.close();
    if (this.fault === 'no_screen') return;
    if (pty.cols < 64 || pty.rows < 22) return void stream.write(tooSmallScreen());

    const { cols, rows } = pty;
    const app = this.appName;
    let mode: 'login' | 'form' | 'home' = 'login';
    let field: 'handle' | 'password' = 'handle';
    let typedHandle = '';
    let typedPassword = '';
    let user: string | undefined;
    const closed = () => stream.destroyed || (stream as unknown as { closed?: boolean }).closed === true;
    const show = (screen: string) => { if (!closed()) stream.write(screen); };
    const goHome = (h: string) => {
      const previous = this.activeByUser.get(h);
      if (previous && previous !== stream) {
        this.stats.replacedSessions++;
        previous.write('\r\nreplaced by new connection (SSH-05 / D-25)\r\n');
        previous.close();
      }
      this.activeByUser.set(h, stream);
      user = h;
      mode = 'home';
      show(homeScreen(app, h, cols, rows));
    };
    stream.on('close', () => { if (user && this.activeByUser.get(user) === stream) this.activeByUser.delete(user); });

    const first = () => (keyHandle ? goHome(keyHandle) : show(loginScreen(app, cols, rows)));
    if (this.fault === 'slow_screen') setTimeout(first, this.slowScreenMs).unref();
    else first();

    stream.on('data', (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (mode === 'home') {
          if (ch === 'q' || ch === 'Q') { stream.write('\x1b[2J\x1b[HGoodbye.\r\n'); stream.close(); return; }
        } else if (mode === 'login') {
          if (ch === 'l' || ch === 'L') { mode = 'form'; show(loginForm(app, cols, rows, '', 0)); }
        } else if (ch === '\t') {
          field = field === 'handle' ? 'password' : 'handle';
        } else if (ch === '\r') {
          if (this.accounts.get(typedHandle) === typedPassword) { this.stats.loginsOk++; goHome(typedHandle); }
          else {
            this.stats.loginsFailed++;
            typedPassword = '';
            field = 'password';
            show(loginForm(app, cols, rows, typedHandle, 0, 'That handle and password don\'t match.'));
          }
        } else if (ch === '\x1b') {
          mode = 'login';
          show(loginScreen(app, cols, rows));
        } else if (ch >= ' ') {
          if (field === 'handle') typedHandle += ch; else typedPassword += ch;
          show(loginForm(app, cols, rows, typedHandle, typedPassword.length));
        }
      }
    });
  }
}
