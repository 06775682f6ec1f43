import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { formatHostPort, parseHostPort } from '../../src/schema/host-port.js';
import { parseListen } from '../../src/server.js';

test('host[:port]: names, IPv4, IPv6 in brackets (with a zone), a port up to 65535; nothing else', () => {
  assert.deepEqual(parseHostPort('bbs.example.net'), { host: 'bbs.example.net', bracketed: false });
  assert.deepEqual(parseHostPort('bbs.example.net:2222'), { host: 'bbs.example.net', port: 2222, bracketed: false });
  assert.deepEqual(parseHostPort('127.0.0.1:0'), { host: '127.0.0.1', port: 0, bracketed: false });
  assert.deepEqual(parseHostPort('[::1]:22'), { host: '::1', port: 22, bracketed: true });
  assert.deepEqual(parseHostPort('[fe80::1%eth0]'), { host: 'fe80::1%eth0', bracketed: true });
  for (const bad of ['', '::1', 'host:65536', 'host:', 'a b:22', 'http://host:22', '[::1', '[host]:22', 'host:22:33']) {
    assert.equal(parseHostPort(bad), undefined, bad);
  }
  assert.equal(formatHostPort('::1', 22), '[::1]:22');
  assert.equal(formatHostPort('bbs', 22), 'bbs:22');
});

test('the config\'s listen and the server read listen the same way', () => {
  assert.deepEqual(parseListen('[::]:9477'), { host: '::', port: 9477 });
  assert.deepEqual(parseListen(validateConfig({ listen: '0.0.0.0:9477' }).listen), { host: '0.0.0.0', port: 9477 });
  assert.throws(() => validateConfig({ listen: '0.0.0.0' }), /listen: expected HOST:PORT/);
  assert.throws(() => validateConfig({ listen: 'my_host:9477' }), /listen: expected HOST:PORT/);
  assert.throws(() => parseListen('9477'), /expected HOST:PORT/);
});
