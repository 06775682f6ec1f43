/**
 * The fake board's log file, in Foglet's own format (foglet.md §4-§6): boot lines,
 * a line per /up request, and on request the lines of a failure, so the demo's log
 * watcher has something real to read. Not part of Foglet.
 */
import { appendFileSync } from 'node:fs';

export const LOG_FAULTS = ['migration', 'db', 'missing_secret', 'host_key', 'host_key_dir', 'smtp', 'restart_loop'] as const;
export type LogFault = (typeof LOG_FAULTS)[number];

function stamp(d = new Date()): string {
  return d.toISOString().slice(11, 23);
}

const BOOT = (t: string, sshPort: number, httpPort: number) => [
  `${t} [info] Running FogletBbsWeb.Endpoint with Bandit 1.10.4 at 127.0.0.1:${httpPort} (http)`,
  `${t} [info] Access FogletBbsWeb.Endpoint at http://localhost:${httpPort}`,
  `${t} [info] Foglet SSH daemon started on port ${sshPort}`,
];

const FAILURES: Record<Exclude<LogFault, 'restart_loop'>, (t: string) => string[]> = {
  migration: (t) => [
    `${t} [error] Could not create schema migrations table. This error usually happens due to the following:`,
    '',
  ],
  db: (t) => [1, 2, 3].map((i) =>
    `${t} [error] Postgrex.Protocol (#PID<0.25${i}.0>) failed to connect: ** (DBConnection.ConnectionError) tcp connect (localhost:5432): connection refused - :econnrefused`),
  missing_secret: () => [
    'ERROR! Config provider Config.Reader failed with:',
    '** (RuntimeError) environment variable SECRET_KEY_BASE is missing.',
    'You can generate one by calling: mix phx.gen.secret',
    '',
  ],
  host_key: (t) => [`${t} [info] Foglet.SSH.HostKey: no host key in /data/ssh, generating ssh_host_ed25519_key`],
  host_key_dir: (t) => [`${t} [error] Foglet SSH daemon refusing to start: host key directory /data/ssh does not exist or is not readable`],
  smtp: (t) => [`${t} [error] sysop_test_email_delivery_failed operation=send_test_email reason=:unauthorized`],
};

export class BoardLog {
  constructor(readonly file: string, private readonly ports: () => { ssh: number; http: number }) {}

  private write(lines: string[]): void {
    appendFileSync(this.file, lines.map((l) => `${l}\n`).join(''));
  }

  boot(): void {
    const { ssh, http } = this.ports();
    this.write(BOOT(stamp(), ssh, http));
  }

  request(path: string, status: number): void {
    const t = stamp();
    this.write([`${t} request_id=F${Date.now().toString(36)} [info] GET ${path}`, `${t} [info] Sent ${status} in 212µs`]);
  }

  fault(kind: LogFault): void {
    if (kind === 'restart_loop') {
      // Three crashed boots in a row, as Fly restarts a machine whose app keeps exiting.
      for (let i = 0; i < 3; i++) {
        this.boot();
        this.write([`${stamp()} [notice] Application foglet_bbs exited: shutdown: failed to start child: FogletBbs.Repo`]);
      }
      return;
    }
    this.write(FAILURES[kind](stamp()));
  }
}
