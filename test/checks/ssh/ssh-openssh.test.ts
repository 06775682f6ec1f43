import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runProbe } from '../../../src/checks/runner.js';
import { SshProbe } from '../../../src/checks/ssh/probe.js';
import { scanHostKeys } from '../../../src/checks/ssh/hostkey.js';
import type { ProbeResult } from '../../../src/checks/types.js';
import { runCli } from '../../helpers/cli.js';
import { sshCheck } from '../../helpers/config.js';
import { SSHD, startSshd, type RealSshd } from '../../helpers/sshd.js';

const skip = SSHD ? false : 'OpenSSH sshd is not installed here (apt-get install openssh-server; .ci/run does)';

describe('ssh probe against a real OpenSSH sshd', { skip }, () => {
  let sshd: RealSshd;

  function probe(fields: Record<string, unknown>): Promise<ProbeResult> {
    const cfg = sshCheck({
      port: sshd.port, username: sshd.user, timeout: '8s', host_key: sshd.hostKeyFingerprint,
      private_key_file: sshd.keys.ed25519, expect_screen: '/Foglet BBS ▸ Home[\\s\\S]*pty 30 100/', ...fields,
    });
    return runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
  }

  before(async () => { sshd = await startSshd(); });
  after(() => sshd?.stop());

  test('handshake, pinned host key, key auth, PTY of the configured size, and the painted screen', async () => {
    const r = await probe({});
    assert.equal(r.ok, true, `${r.reason}: ${r.message}\n${r.details?.screen ?? ''}`);
    assert.match(r.details?.server_version ?? '', /^SSH-2\.0-OpenSSH_/);
    const hk = r.details!.host_key!;
    assert.equal(hk.fingerprint, sshd.hostKeyFingerprint, 'our fingerprint equals ssh-keygen -l');
    assert.equal(hk.algorithm, 'ssh-ed25519');
    assert.ok(r.details?.algorithms?.kex);
  });

  test('ecdsa keys and passphrase-protected RSA keys authenticate', async () => {
    const ecdsa = await probe({ private_key_file: sshd.keys.ecdsa });
    assert.equal(ecdsa.ok, true, `${ecdsa.reason}: ${ecdsa.message}`);
    const rsa = await probe({ private_key_file: sshd.keys.rsaWithPassphrase, passphrase: 'rsa-pass' });
    assert.equal(rsa.ok, true, `${rsa.reason}: ${rsa.message}`);
    const noPass = await probe({ private_key_file: sshd.keys.rsaWithPassphrase });
    assert.equal(noPass.reason, 'auth_failed');
    assert.match(noPass.message ?? '', /private_key_file is not a usable private key/);
  });

  test('an unauthorized key fails with auth_failed', async () => {
    const r = await probe({ private_key_file: sshd.keys.unauthorized });
    assert.equal(r.reason, 'auth_failed', r.message);
    assert.equal(r.details?.phase, 'auth');
  });

  test('a wrong pin fails with hostkey_mismatch', async () => {
    const r = await probe({ host_key: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(r.reason, 'hostkey_mismatch', r.message);
  });

  test('scanHostKeys and `foglet-monitor hostkey` print what ssh-keygen prints', async () => {
    const keys = await scanHostKeys('127.0.0.1', sshd.port, 5000);
    assert.deepEqual(keys, [{ algorithm: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint }]);
    const cli = await runCli(['hostkey', `127.0.0.1:${sshd.port}`]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`ssh-ed25519\\s+${sshd.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}`));
    assert.match(cli.stdout, new RegExp(`host_key: "${sshd.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}"`));
  });
});
