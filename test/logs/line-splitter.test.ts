import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanLine, LineSplitter } from '../../src/logs/line.js';

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const PIECES = [
  'plain ascii words ', '10:00:00.000 [info] Sent 200 in 312µs', 'naïve café ', '日本語 ', '🙂 ', '\r', '\x1b[31mred\x1b[0m', '\t',
];

function randomLog(r: () => number, lines: number, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < lines; i++) {
    const kind = r();
    if (kind < 0.05) parts.push(Buffer.alloc(maxBytes + Math.floor(r() * maxBytes), 'é')); // long, cut mid-character
    else if (kind < 0.1) parts.push(Buffer.from([0xff, 0xc3, 0x00, 0x80, 0xe2, 0x82])); // invalid UTF-8, NUL
    else {
      let s = '';
      const n = Math.floor(r() * 6);
      for (let j = 0; j < n; j++) s += PIECES[Math.floor(r() * PIECES.length)];
      parts.push(Buffer.from(s));
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** What the splitter must produce: split on LF, cut at maxBytes bytes, decode as UTF-8. */
function reference(buf: Buffer, maxBytes: number): Array<{ text: string; bytes: number }> {
  const out = [];
  let start = 0;
  for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
    const line = buf.subarray(start, nl);
    out.push({ text: line.subarray(0, maxBytes).toString('utf8'), bytes: line.length + 1 });
    start = nl + 1;
  }
  return out;
}

test('the splitter matches a byte-wise reference whatever the chunking: UTF-8, invalid bytes, long lines, control characters', () => {
  for (let seed = 1; seed <= 25; seed++) {
    const r = rng(seed);
    const maxBytes = 64 + Math.floor(r() * 64);
    const log = randomLog(r, 300, maxBytes);
    const want = reference(log, maxBytes);
    const got: Array<{ text: string; bytes: number; clean: boolean }> = [];
    const splitter = new LineSplitter(maxBytes, (text, bytes, clean) => got.push({ text, bytes, clean }), 1000);
    for (let at = 0; at < log.length;) {
      const size = 1 + Math.floor(r() * (r() < 0.5 ? 8 : 700));
      splitter.push(log.subarray(at, at + size));
      at += size;
    }
    splitter.end();
    assert.deepEqual(got.map(({ text, bytes }) => ({ text, bytes })), want, `seed ${seed}`);
    assert.equal(splitter.committed, 1000 + log.length, `seed ${seed}: the offset counts every byte`);
    assert.equal(splitter.cut, want.filter((w) => w.bytes - 1 > maxBytes).length, `seed ${seed}: cut lines counted`);
    for (const g of got) if (g.clean) assert.equal(cleanLine(g.text), g.text, `seed ${seed}: a line said clean needs no cleaning`);
  }
});

test('an unterminated last line comes out at end(), and only then', () => {
  const got: string[] = [];
  const splitter = new LineSplitter(1024, (text) => got.push(text));
  splitter.push(Buffer.from('one\ntwo\nthr'));
  splitter.push(Buffer.from('ee'));
  assert.deepEqual(got, ['one', 'two']);
  assert.equal(splitter.committed, 8);
  splitter.end();
  assert.deepEqual(got, ['one', 'two', 'three']);
  assert.equal(splitter.committed, 13);
});

test('takeCarried keeps only the start carried in from another file, not this stream\'s own bytes of the line (read again from a copy)', () => {
  const got: string[] = [];
  const s = new LineSplitter(1024, (line) => got.push(line));
  assert.equal(s.takeCarried(), undefined, 'nothing pending');
  s.carryIn(Buffer.from('seq=1 from the copy '));
  s.push(Buffer.from('and its end\nseq=2 half'));
  assert.deepEqual(got, ['seq=1 from the copy and its end']);
  assert.equal(s.takeCarried(), undefined, 'the pending line is all this stream\'s');
  const t = new LineSplitter(1024, (line) => got.push(line));
  t.carryIn(Buffer.from('seq=3 start '));
  t.push(Buffer.from('own'));
  assert.equal(t.takeCarried()?.toString(), 'seq=3 start ');
  assert.equal(t.takePending(), undefined, 'taken');
});
