import assert from 'node:assert/strict';
import { test } from 'node:test';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../../src/checks/ssh/keys.js';
import { algorithmOf, fingerprintOf, MemoryPins, verifyHostKey } from '../../../src/checks/ssh/hostkey.js';

test('every generated ed25519 key parses (ssh2 alone writes a malformed one about once in 250)', () => {
  for (let i = 0; i < 1000; i++) {
    const pair = generateEd25519();
    assert.ok(!(ssh2.utils.parseKey(pair.private) instanceof Error), `key ${i} does not parse`);
  }
});

test('fingerprints and algorithms are read from the key blob', () => {
  const parsed = ssh2.utils.parseKey(generateEd25519().public);
  assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
  const blob = (parsed as ssh2.ParsedKey).getPublicSSH();
  assert.equal(algorithmOf(blob), 'ssh-ed25519');
  assert.match(fingerprintOf(blob), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(algorithmOf(Buffer.from([0, 0])), 'unknown');
});

test('pin verdicts: any, a list (rotation), tofu', () => {
  const seen = { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:new' };
  const pins = new MemoryPins();
  assert.equal(verifyHostKey('any', seen, 't', pins).ok, true);
  assert.equal(verifyHostKey(['SHA256:old', 'SHA256:new'], seen, 't', pins).ok, true);
  assert.equal(verifyHostKey('SHA256:old', seen, 't', pins).ok, false);
  const first = verifyHostKey('tofu', seen, 't', pins);
  assert.equal(first.ok && first.pinnedNow, true);
  assert.equal(verifyHostKey('tofu', { ...seen, fingerprint: 'SHA256:other' }, 't', pins).ok, false);
  assert.equal(pins.get('t')?.fingerprint, 'SHA256:new');
});
