// X conformance: kanal's count and entities against npm twitter-text 3.x on
// every text of the corpus. For each text, parseTweet (v3 configuration, the
// default) gives weightedLength and valid, and extractEntitiesWithIndices
// gives the URLs, mentions (with lists), hashtags and cashtags with their
// UTF-16 ranges in the text as given; kanal must answer the same.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { kanalBin, readCorpus, runKanal, show } from './lib.mjs';

const require = createRequire(import.meta.url);
const twttr = require('twitter-text');

function entityType(e) {
  if (e.url !== undefined) return 'url';
  if (e.screenName !== undefined) return 'mention';
  if (e.hashtag !== undefined) return 'hashtag';
  return 'cashtag';
}

// The reference's answer, in the shape compared.
function reference(text) {
  const p = twttr.parseTweet(text);
  return {
    length: p.weightedLength,
    valid: p.valid,
    entities: twttr.extractEntitiesWithIndices(text).map((e) => ({ type: entityType(e), start: e.indices[0], end: e.indices[1] })),
  };
}

// kanal's answer, in the same shape, plus its own consistency: the byte
// offsets, the UTF-16 offsets and the entity text must agree with each other.
function fromKanal(text, k) {
  if (k.error) return { error: k.error };
  const problems = [];
  for (const e of k.entities) {
    const slice = text.slice(e.utf16_start, e.utf16_end);
    if (e.text !== slice) problems.push(`entity text ${JSON.stringify(e.text)} is not the text at its UTF-16 range`);
    if (Buffer.byteLength(text.slice(0, e.utf16_start)) !== e.byte_start || Buffer.byteLength(slice) !== e.byte_end - e.byte_start)
      problems.push(`byte range ${e.byte_start}..${e.byte_end} disagrees with UTF-16 range ${e.utf16_start}..${e.utf16_end}`);
  }
  if (k.bytes !== Buffer.byteLength(text)) problems.push(`bytes ${k.bytes}, expected ${Buffer.byteLength(text)}`);
  if (k.limit !== 280) problems.push(`limit ${k.limit}, expected 280`);
  return {
    length: k.length,
    valid: k.valid,
    entities: k.entities.map((e) => ({ type: e.type, start: e.utf16_start, end: e.utf16_end })),
    ...(problems.length ? { problems } : {}),
  };
}

test('the corpus holds at least 5,000 texts', () => {
  assert.ok(readCorpus().length >= 5000);
});

test('kanal counts every corpus text exactly as twitter-text parseTweet and extractEntitiesWithIndices do', () => {
  const texts = readCorpus();
  const answers = runKanal('x', texts);
  const diffs = [];
  texts.forEach((text, i) => {
    const want = reference(text);
    const got = fromKanal(text, answers[i]);
    try {
      assert.deepStrictEqual(got, want);
    } catch {
      diffs.push({ i, text, want, got });
    }
  });
  const report = diffs
    .slice(0, 5)
    .map((d) => `#${d.i + 1} ${show(d.text)}\n  twitter-text: ${JSON.stringify(d.want)}\n  kanal:        ${JSON.stringify(d.got)}`)
    .join('\n');
  console.log(`x: ${texts.length} texts compared, ${diffs.length} differences`);
  assert.equal(diffs.length, 0, `${diffs.length} of ${texts.length} texts differ; the first:\n${report}`);
});

test('kanal text count answers bad lines with an error line, counts the rest, and exits 1', () => {
  const { spawnSync } = require('node:child_process');
  const input = Buffer.concat([
    Buffer.from('{"text": "Mirëmëngjes nga Tirana! #Tiranë"}\n\n{"text": 1}\n{bad\n{"text": "\\ud800"}\n'),
    Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]), // {"text":"\xff"}
    Buffer.from('{"text": "https://kanal.al"}\n'),
  ]);
  const r = spawnSync(kanalBin, ['text', 'count', '--network', 'x', '--ndjson'], { input });
  assert.equal(r.status, 1, r.stderr.toString());
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.error || l.length),
    [31, 'field.type', 'json.malformed', 'text.invalid_utf8', 'text.invalid_utf8', 23],
  );
  assert.deepEqual(lines[0].entities.map((e) => [e.type, e.text, e.byte_start, e.byte_end, e.utf16_start, e.utf16_end]), [
    ['hashtag', '#Tiranë', 26, 34, 24, 31],
  ]);

  // Without --ndjson: all of stdin is one text, byte for byte.
  const one = spawnSync(kanalBin, ['text', 'count', '--network', 'x'], { input: 'a\nb' });
  assert.equal(one.status, 0);
  assert.deepEqual(JSON.parse(one.stdout.toString()), {
    network: 'x', length: 3, limit: 280, valid: true, bytes: 3, graphemes: 3, entities: [],
  });
  const bad = spawnSync(kanalBin, ['text', 'count', '--network', 'x'], { input: Buffer.from([0x61, 0xc3]) });
  assert.equal(bad.status, 1);
  assert.equal(JSON.parse(bad.stdout.toString()).error, 'text.invalid_utf8');
});
