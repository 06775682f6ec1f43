import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import ssh2 from 'ssh2';
import { runProbe } from '../../../src/checks/runner.js';
import { SshProbe } from '../../../src/checks/ssh/probe.js';
import { generateEd25519 } from '../../../src/checks/ssh/keys.js';
import type { ProbeResult } from '../../../src/checks/types.js';
import { FakeFoglet } from '../../../src/demo/fake-foglet.js';
import { sshCheck } from '../../helpers/config.js';
import { closedPort, startTcpServer, type TestServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';

/** One SSH binary packet (RFC 4253 §6), unencrypted as before the first NEWKEYS. */
interface SshServer { port: number; close(): Promise<void> }

/**
 * An ssh2 server on 127.0.0.1 that accepts any login; `onShell` gets the shell's stream (and the
 * connection) of a session that asked for one. Without it, clients get as far as the kex allows.
 */
async function startSshServer(
  algorithms?: ssh2.Algorithms,
  onShell?: (stream: ssh2.ServerChannel, client: ssh2.Connection) => void,
): Promise<SshServer> {
  const server = new ssh2.Server({ hostKeys: [generateEd25519().private], ...(algorithms ? { algorithms } : {}) }, (client) => {
    client.on('error', () => {});
    if (!onShell) return;
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => client.on('session', (accept) => {
      const session = accept();
      session.on('pty', (ok) => ok?.());
      session.on('shell', (ok) => onShell(ok(), client));
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sshPacket(payload: Buffer): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + padding, 0);
  head[4] = padding;
  return Buffer.concat([head, payload, Buffer.alloc(padding)]);
}

/** A KEXINIT that offers what a modern client takes: curve25519, ed25519, aes-gcm. */
function kexinit(): Buffer {
  const list = (names: string) => { const b = Buffer.from(names); const n = Buffer.alloc(4); n.writeUInt32BE(b.length); return Buffer.concat([n, b]); };
  return sshPacket(Buffer.concat([
    Buffer.from([20]), Buffer.alloc(16, 7),
    list('curve25519-sha256'), list('ssh-ed25519'),
    list('aes128-gcm@openssh.com'), list('aes128-gcm@openssh.com'),
    list('hmac-sha2-256'), list('hmac-sha2-256'), list('none'), list('none'), list(''), list(''),
    Buffer.from([0, 0, 0, 0, 0]),
  ]));
}

function probe(port: number, fields: Record<string, unknown> = {}): Promise<ProbeResult> {
  const cfg = sshCheck({ port, expect_screen: 'L Login', timeout: '800ms', ...fields });
  return runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
}

describe('ssh probe against hostile servers', () => {
  const servers: TestServer[] = [];
  let silent: TestServer;
  let garbage: TestServer;
  let wrongService: TestServer;
  let stall: TestServer;
  let preIdentFlood: TestServer;
  let liar: TestServer;
  let hangUp: TestServer;
  let reset: TestServer;
  let oldAlgorithms: SshServer;
  let shellFlood: SshServer;
  let resetInShell: SshServer;

  before(async () => {
    silent = await startTcpServer(() => {});
    // A valid banner, then bytes that are no SSH packet.
    garbage = await startTcpServer((s) => {
      s.on('error', () => {});
      s.write('SSH-2.0-OpenSSH_9.2\r\n');
      s.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, ...Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)]));
    });
    // Something else on the SSH port: it answers once and hangs up.
    wrongService = await startTcpServer((s) => { s.on('error', () => {}); s.end('HTTP/1.1 400 Bad Request\r\n\r\n'); });
    stall = await startTcpServer((s) => { s.on('error', () => {}); s.write('SSH-2.0-OpenSSH_9.2\r\n'); });
    preIdentFlood = await startTcpServer((s) => {
      s.on('error', () => {});
      const line = Buffer.from(`${'x'.repeat(200)}\r\n`);
      const pump = () => { while (!s.destroyed && s.write(line)) { /* fill */ } };
      s.on('drain', pump);
      pump();
    });
    // Offers modern algorithms, then answers the key exchange with a reply that is not one.
    liar = await startTcpServer((s) => {
      s.on('error', () => {});
      s.write('SSH-2.0-OpenSSH_9.2\r\n');
      s.write(kexinit());
      let answered = false;
      s.on('data', () => {
        if (answered) return;
        answered = true;
        s.write(sshPacket(Buffer.concat([Buffer.from([31]), Buffer.alloc(200, 0x41)])));
      });
    });
    // Hangs up before saying anything (an OTP daemon without a usable host key does this).
    hangUp = await startTcpServer((s) => { s.on('error', () => {}); s.end(); });
    reset = await startTcpServer((s) => { s.on('error', () => {}); s.resetAndDestroy(); });
    servers.push(silent, garbage, wrongService, stall, preIdentFlood, liar, hangUp, reset);
    // Only a key exchange no current client accepts (SHA-1, 1024-bit group).
    oldAlgorithms = await startSshServer({ kex: ['diffie-hellman-group1-sha1'] });
    shellFlood = await startSshServer(undefined, (stream) => {
      const chunk = Buffer.alloc(32 * 1024, 'A');
      const pump = () => { while (!stream.destroyed && stream.write(chunk)) { /* fill */ } };
      stream.on('drain', pump);
      stream.on('error', () => {});
      pump();
    });
    // Logs in, opens the shell, then resets the connection (a board crashing mid-session).
    resetInShell = await startSshServer(undefined, (_stream, client) => (client as unknown as { _sock: net.Socket })._sock.resetAndDestroy());
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all([shellFlood, resetInShell, oldAlgorithms].map((s) => s.close()));
  });

  test('a server whose key exchange reply is not what its KEXINIT promised: handshake_failed, inside the timeout', async () => {
    const r = await probe(liar.port);
    assert.equal(r.reason, 'handshake_failed', `${r.reason}: ${r.message}`);
    assert.equal(r.details?.phase, 'handshake');
    assert.ok(r.duration_seconds < 1.3);
  });

  test('a server that offers only algorithms the client refuses: handshake_failed, naming the mismatch', async () => {
    const r = await probe(oldAlgorithms.port);
    assert.equal(r.reason, 'handshake_failed', `${r.reason}: ${r.message}`);
    assert.match(r.message ?? '', /key exchange|algorithm/i);
  });

  test('a closed port: connect_refused', async () => {
    const r = await probe(await closedPort());
    assert.equal(r.reason, 'connect_refused');
    assert.equal(r.details?.phase, 'connect');
  });

  test('a server that accepts and never sends a banner: timeout in handshake, inside the timeout', async () => {
    const r = await probe(silent.port);
    assert.equal(r.reason, 'timeout', r.message);
    assert.equal(r.details?.phase, 'handshake');
    assert.ok(r.duration_seconds < 1.3, `${r.duration_seconds}s`);
  });

  test('a server that hangs up or resets before its banner: handshake_failed, one message, every time', async () => {
    for (const server of [hangUp, reset]) {
      for (let i = 0; i < 10; i++) {
        const r = await probe(server.port);
        assert.equal(r.reason, 'handshake_failed', `${r.reason}: ${r.message}`);
        assert.match(r.message ?? '', /before the key exchange completed/);
      }
    }
  });

  test('a reset after the login is not a handshake failure: the message names where it broke', async () => {
    const r = await probe(resetInShell.port);
    assert.equal(r.ok, false);
    assert.notEqual(r.reason, 'handshake_failed', `${r.reason}: ${r.message}`);
    assert.doesNotMatch(r.message ?? '', /before the key exchange/);
  });

  test('a server that sends garbage: handshake_failed', async () => {
    const r = await probe(garbage.port);
    assert.equal(r.reason, 'handshake_failed', r.message);
    assert.ok(r.duration_seconds < 1.3);
  });

  test('another service on the port, which hangs up: handshake_failed', async () => {
    const r = await probe(wrongService.port);
    assert.equal(r.reason, 'handshake_failed', r.message);
  });

  test('a server that stalls mid-handshake: timeout in handshake, with its version recorded', async () => {
    const r = await probe(stall.port);
    assert.equal(r.reason, 'timeout', r.message);
    assert.equal(r.details?.phase, 'handshake');
    assert.equal(r.details?.server_version, 'SSH-2.0-OpenSSH_9.2');
  });

  test('a server that floods before its banner: fails inside the timeout', async () => {
    const r = await probe(preIdentFlood.port);
    assert.equal(r.ok, false);
    assert.ok(r.reason === 'handshake_failed' || r.reason === 'timeout', `${r.reason}: ${r.message}`);
    assert.ok(r.duration_seconds < 1.3);
  });

  test('a shell that floods output: protocol_error at max_output_bytes, inside the timeout', async () => {
    const r = await probe(shellFlood.port, { timeout: '3s', max_output_bytes: 256 * 1024 });
    assert.equal(r.reason, 'protocol_error', r.message);
    assert.match(r.message ?? '', /more than 262144 bytes/);
    assert.ok(r.duration_seconds < 3);
  });
});

describe('ssh probe resources', () => {
  let board: FakeFoglet;
  before(async () => { board = await FakeFoglet.start(); });
  after(() => board.stop());

  test('handle count is stable over 200 probes (passing, rejected and timing out)', async () => {
    const silent = await startTcpServer(() => {});
    const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    // Warm up once so lazily created handles (DNS, crypto) exist before the baseline.
    await probe(board.ssh.address.port);
    const baseline = handles();
    const reasons = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      let r: ProbeResult;
      if (i % 20 === 19) {
        r = await probe(silent.port, { timeout: '150ms' });
      } else {
        board.ssh.fault = i % 3 === 0 ? 'rate_limited' : 'none';
        r = await probe(board.ssh.address.port, { timeout: '3s' });
      }
      const key = r.ok ? 'ok' : r.reason!;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    board.ssh.fault = 'none';
    await silent.close();
    assert.deepEqual([...reasons.keys()].sort(), ['ok', 'rate_limited', 'timeout'], JSON.stringify([...reasons]));
    const settled = await waitFor(() => handles() <= baseline + 1, 'handles to return to the baseline', 5000)
      .then(() => handles(), () => handles());
    assert.ok(settled <= baseline + 1, `handles grew from ${baseline} to ${settled}: ${process.getActiveResourcesInfo().join(',')}`);
  });
});
