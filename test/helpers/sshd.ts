/**
 * A real OpenSSH sshd on a loopback port, with its own throw-away config, host key,
 * authorized key and a ForceCommand that paints a Foglet-like screen. Tests skip
 * with a clear message where sshd is not installed (`.ci/run` installs it).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from './servers.js';
import { spawnServer } from './process.js';

export const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p));

export interface RealSshd {
  port: number;
  user: string;
  dir: string;
  /** `SHA256:...` of the host key, as ssh-keygen -l prints it. */
  hostKeyFingerprint: string;
  /** Private key files that are authorized: ed25519, ecdsa, and RSA with passphrase "rsa-pass". */
  keys: { ed25519: string; ecdsa: string; rsaWithPassphrase: string; unauthorized: string };
  stop(): Promise<void>;
}

function keygen(file: string, type: string, passphrase = '', extra: string[] = []): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...extra, '-N', passphrase, '-C', 'foglet-monitor-test', '-f', file], { stdio: 'ignore' });
}

export async function startSshd(): Promise<RealSshd> {
  if (!SSHD) throw new Error('sshd is not installed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-sshd-'));
  chmodSync(dir, 0o755);
  const user = os.userInfo().username;
  const port = await closedPort();
  keygen(path.join(dir, 'host_ed25519'), 'ed25519');
  keygen(path.join(dir, 'client_ed25519'), 'ed25519');
  keygen(path.join(dir, 'client_ecdsa'), 'ecdsa', '', ['-b', '256']);
  keygen(path.join(dir, 'client_rsa'), 'rsa', 'rsa-pass', ['-b', '2048', '-m', 'PEM']);
  keygen(path.join(dir, 'stranger'), 'ed25519');
  writeFileSync(path.join(dir, 'authorized_keys'), ['client_ed25519', 'client_ecdsa', 'client_rsa']
    .map((k) => readFileSync(path.join(dir, `${k}.pub`), 'utf8')).join(''));
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1]!;
  // The screen: painted with cursor moves, out of order, and it reports the PTY size it got.
  writeFileSync(path.join(dir, 'screen.sh'), [
    '#!/bin/sh',
    "printf '\\033[2J\\033[3;20H \\342\\226\\270 Home\\033[3;10HFoglet BBS\\033[5;10Hpty '",
    'stty size',
    'sleep 10',
  ].join('\n'), { mode: 0o755 });
  writeFileSync(path.join(dir, 'sshd_config'), [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `AllowUsers ${user}`,
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PrintMotd no',
    'PrintLastLog no',
    `ForceCommand ${path.join(dir, 'screen.sh')}`,
    'LogLevel ERROR',
  ].join('\n'));
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const server = await spawnServer({
    name: `sshd on ${port}`,
    command: SSHD,
    args: ['-D', '-e', '-f', path.join(dir, 'sshd_config')],
    dir,
    ready: () => new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }),
    timeoutMs: 5000,
  });
  return {
    port, user, dir, hostKeyFingerprint: fp,
    keys: {
      ed25519: path.join(dir, 'client_ed25519'),
      ecdsa: path.join(dir, 'client_ecdsa'),
      rsaWithPassphrase: path.join(dir, 'client_rsa'),
      unauthorized: path.join(dir, 'stranger'),
    },
    stop: server.stop,
  };
}
