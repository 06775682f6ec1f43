/**
 * Host key identity: OpenSSH-style fingerprints, the pin check, and a scan of a
 * server's keys for `foglet-monitor hostkey`. A changed key on Foglet almost always
 * means the host key directory (SSH_HOST_KEY_DIR, /data/ssh on Fly) was not kept
 * across a release, so Foglet generated a new one.
 */
import net from 'node:net';
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { SSH_IDENT } from '../../version.js';

export interface HostKeyFacts {
  algorithm: string;
  fingerprint: string;
}

/** `SHA256:<base64 without padding>` of the key blob, exactly as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function algorithmOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

export interface PinnedKey extends HostKeyFacts {
  first_seen: string;
  last_match?: string;
}

/** Where trust-on-first-use pins live between runs (the state file, in the daemon). */
export interface HostKeyPins {
  get(target: string): PinnedKey | undefined;
  set(target: string, pin: PinnedKey): void;
}

export class MemoryPins implements HostKeyPins {
  private readonly pins = new Map<string, PinnedKey>();
  get(target: string) { return this.pins.get(target); }
  set(target: string, pin: PinnedKey) { this.pins.set(target, pin); }
}

export type PinSetting = 'tofu' | 'any' | string | string[];

export interface PinVerdict {
  ok: boolean;
  /** What the key was held against: the configured list, or the pin from the first sighting. */
  expected: string[];
  mode: 'tofu' | 'any' | 'pinned';
  /** True on the first sighting under tofu (the key was just pinned). */
  pinnedNow?: boolean;
}

export function verifyHostKey(setting: PinSetting, seen: HostKeyFacts, target: string, pins: HostKeyPins, now = new Date()): PinVerdict {
  if (setting === 'any') return { ok: true, expected: [], mode: 'any' };
  if (setting === 'tofu') {
    const pin = pins.get(target);
    if (!pin) {
      pins.set(target, { ...seen, first_seen: now.toISOString(), last_match: now.toISOString() });
      return { ok: true, expected: [seen.fingerprint], mode: 'tofu', pinnedNow: true };
    }
    const ok = pin.fingerprint === seen.fingerprint;
    if (ok) pins.set(target, { ...pin, last_match: now.toISOString() });
    return { ok, expected: [pin.fingerprint], mode: 'tofu' };
  }
  const expected = Array.isArray(setting) ? setting : [setting];
  return { ok: expected.includes(seen.fingerprint), expected, mode: 'pinned' };
}

export function mismatchMessage(expected: string[], seen: HostKeyFacts): string {
  return `host key changed: expected ${expected.join(' or ')}, server offered ${seen.fingerprint} (${seen.algorithm}). `
    + 'Likely cause: the host key directory (SSH_HOST_KEY_DIR, /data/ssh on Fly) was not kept across the release, '
    + 'so Foglet generated a new key; returning callers will see a host key warning.';
}

export const SCAN_ALGORITHMS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512',
] as const;

/**
 * Asks the server for each kind of host key in turn. Every handshake is cut off in
 * key exchange, before authentication: nothing is sent but the key exchange itself.
 */
export async function scanHostKeys(host: string, port: number, timeoutMs: number): Promise<HostKeyFacts[]> {
  const found: HostKeyFacts[] = [];
  for (const alg of SCAN_ALGORITHMS) {
    const key = await fetchHostKey(host, port, alg, timeoutMs);
    if (key && !found.some((k) => k.fingerprint === key.fingerprint)) found.push(key);
  }
  return found;
}

function fetchHostKey(host: string, port: number, algorithm: string, timeoutMs: number): Promise<HostKeyFacts | undefined> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    let result: HostKeyFacts | undefined;
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.removeAllListeners();
      conn.on('error', () => {});
      conn.end();
      if (err && !result) reject(err); else resolve(result);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${host}:${port} within ${timeoutMs}ms`)), timeoutMs);
    conn.on('error', (err: Error & { level?: string }) => {
      // A server without this kind of key fails the negotiation: not an error of the scan.
      if (!result && /handshake|kex|no matching/i.test(`${err.level} ${err.message}`) && err.message !== 'Host denied (verification failed)') done();
      else done(result ? undefined : err);
    });
    conn.on('close', () => done());
    conn.connect({
      host,
      port,
      username: 'hostkey-scan',
      ident: SSH_IDENT, // the board's log names the peer: the rule pack knows its own scans
      readyTimeout: timeoutMs,
      algorithms: { serverHostKey: [algorithm] as never },
      hostVerifier: (blob: Buffer) => {
        result = { algorithm: algorithmOf(blob), fingerprint: fingerprintOf(blob) };
        return false;
      },
    });
  });
}

/**
 * What answers on host:port when no SSH host key came back: sends an SSH client's identification
 * and reads the first line of the answer. An SSH server starts its own with `SSH-`; an HTTP
 * server answers `HTTP/1.1 400 ...`; some servers say nothing at all.
 */
export function identifyServer(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const socket = net.connect({ host, port });
    const done = (what: string) => { clearTimeout(timer); socket.destroy(); resolve(what); };
    const timer = setTimeout(() => done(got ? `it answered ${JSON.stringify(firstLine(got))}` : `it accepted the connection and said nothing within ${Math.round(timeoutMs / 1000)}s`), timeoutMs);
    socket.on('connect', () => socket.write('SSH-2.0-foglet-monitor_hostkey\r\n'));
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\n') || got.length > 256) done(`it answered ${JSON.stringify(firstLine(got))}`);
    });
    socket.on('error', (e) => done(`the connection failed: ${e.message}`));
    socket.on('end', () => done(got ? `it answered ${JSON.stringify(firstLine(got))}` : 'it closed the connection without a word'));
  });
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]!.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
