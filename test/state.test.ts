import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { StateStore } from '../src/state.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'fm-state-'));
}

test('state survives a restart (written by rename, no temp file left)', async () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'sub', 'state.json');
    const a = new StateStore(file);
    await a.load();
    a.set('pins', { 'bbs:22': 'SHA256:abc' });
    await a.flush();
    assert.deepEqual(readdirSync(path.join(dir, 'sub')), ['state.json']);
    const b = new StateStore(file);
    await b.load();
    assert.deepEqual(b.get('pins'), { 'bbs:22': 'SHA256:abc' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt state file is moved aside with a warning, and the monitor carries on', async () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"version":1,"sections":{"pins":');
    const warnings: string[] = [];
    const s = new StateStore(file, { warn: (_o, msg) => warnings.push(msg) });
    await s.load();
    assert.equal(s.get('pins'), undefined);
    assert.equal(warnings.length, 1);
    const aside = readdirSync(dir).find((f) => f.startsWith('state.json.corrupt-'));
    assert.ok(aside, 'the bad file is kept aside');
    assert.equal(readFileSync(path.join(dir, aside), 'utf8'), '{"version":1,"sections":{"pins":');
    s.set('x', 1);
    await s.flush();
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).sections, { x: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable state file keeps state in memory and reports the error', async () => {
  const dir = tmp();
  try {
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const s = new StateStore(path.join(blocker, 'state.json'), { warn: () => {} });
    await s.load();
    s.set('x', 42);
    await s.flush();
    assert.ok(s.lastError, 'the write error is kept');
    assert.equal(s.get('x'), 42);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('from a trial: a half-written copy a killed process left beside the state file is removed at the next start', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-state-stale-'));
  try {
    const file = path.join(dir, 'state.json');
    writeFileSync(`${file}.tmp-999999`, '{"version":1,"sec');
    writeFileSync(path.join(dir, 'other.json.tmp-999999'), 'not ours');
    const store = new StateStore(file);
    await store.load();
    assert.deepEqual(readdirSync(dir).sort(), ['other.json.tmp-999999']);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
