/**
 * The README promises Node.js 20.18.1 (package.json engines): every package npm installs must
 * accept it, or `npm ci` warns EBADENGINE on the machines the README speaks to (a transitive
 * cookie@2 wanted Node 22; fastify's light-my-request is pinned to a version that does not).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import semver from 'semver';

test('every package in the lock file accepts the Node.js version package.json promises', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const minimum = semver.minVersion(pkg.engines.node)!.version;
  assert.equal(minimum, '20.18.1');
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  const refusing = Object.entries(lock.packages)
    .filter(([name, p]) => name !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(minimum, p.engines.node))
    .map(([name, p]) => `${name} wants node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(refusing, []);
});
