// Bluesky conformance: kanal's count and entities must equal what npm
// @atproto/api's RichText says — graphemeLength, and the facets
// detectFacetsWithoutResolution() creates (kind and UTF-8 byte range) —
// for every text of the corpus and for generated texts; and the grapheme
// property table in src/text/bluesky.c must agree with Intl.Segmenter,
// which RichText counts with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCorpus, runKanal, show } from './lib.mjs';

const require = createRequire(import.meta.url);
const { RichText } = require('@atproto/api');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// What the reference says, in kanal's terms. RichText sorts the facets by
// byteStart (stable, after mentions, links, tags, cashtags); a cashtag is a
// tag facet whose range starts with '$'.
function reference(text) {
  const rt = new RichText({ text });
  rt.detectFacetsWithoutResolution();
  const bytes = Buffer.from(text, 'utf8');
  const entities = (rt.facets || []).map((f) => {
    const kind = f.features[0].$type.split('#')[1];
    const type =
      kind === 'link' ? 'url' : kind === 'mention' ? 'mention' : bytes[f.index.byteStart] === 0x24 ? 'cashtag' : 'hashtag';
    return `${type} ${f.index.byteStart}-${f.index.byteEnd}`;
  });
  return { length: rt.graphemeLength, bytes: bytes.length, entities };
}

// kanal's answer, checked for its own consistency (text, UTF-16 offsets,
// valid) on the way.
function answer(text, a) {
  const bytes = Buffer.from(text, 'utf8');
  const problems = [];
  for (const e of a.entities) {
    const slice = bytes.subarray(e.byte_start, e.byte_end).toString('utf8');
    if (e.text !== undefined && e.text !== slice) problems.push(`entity text ${JSON.stringify(e.text)} ≠ ${JSON.stringify(slice)}`);
    const u16 = bytes.subarray(0, e.byte_start).toString('utf8').length;
    if (e.utf16_start !== u16 || e.utf16_end !== u16 + slice.length)
      problems.push(`utf16 ${e.utf16_start}-${e.utf16_end} ≠ ${u16}-${u16 + slice.length}`);
  }
  const valid = a.length <= 300 && bytes.length <= 3000;
  if (a.valid !== valid) problems.push(`valid ${a.valid} ≠ ${valid}`);
  if (a.limit !== 300) problems.push(`limit ${a.limit}`);
  return {
    length: a.length,
    bytes: a.bytes,
    entities: a.entities.map((e) => `${e.type} ${e.byte_start}-${e.byte_end}`),
    problems,
  };
}

// Compare every text; returns the differences (and prints the first few).
function compare(label, texts) {
  const answers = runKanal('bluesky', texts);
  const diffs = [];
  texts.forEach((text, i) => {
    const want = reference(text);
    const got = answer(text, answers[i]);
    const why = [...got.problems];
    if (got.length !== want.length) why.push(`length ${got.length}, reference graphemeLength ${want.length}`);
    if (got.bytes !== want.bytes) why.push(`bytes ${got.bytes}, reference ${want.bytes}`);
    if (got.entities.join(', ') !== want.entities.join(', '))
      why.push(`facets [${got.entities.join(', ')}], reference [${want.entities.join(', ')}]`);
    if (why.length) diffs.push({ i, text, why });
  });
  for (const d of diffs.slice(0, 8)) console.log(`${label} #${d.i} ${show(d.text)}\n    ${d.why.join('\n    ')}`);
  console.log(`${label}: ${texts.length} texts compared, ${diffs.length} differences`);
  return diffs;
}

test('corpus: graphemeLength and facets equal @atproto/api RichText for every text', () => {
  const texts = readCorpus();
  assert.ok(texts.length >= 5000, `corpus has ${texts.length} texts`);
  assert.equal(compare('corpus', texts).length, 0);
});

// ---- the grapheme property table -----------------------------------------

// gprops in src/text/bluesky.c: {lo, hi, CLASS} rows; the rest is Other,
// Hangul syllables are computed.
function readTable() {
  const src = readFileSync(resolve(root, 'src/text/bluesky.c'), 'utf8');
  const body = src.slice(src.indexOf('gprops[] = {'), src.indexOf('};', src.indexOf('gprops[] = {')));
  return [...body.matchAll(/\{0x([0-9A-F]+), 0x([0-9A-F]+), ([A-Z]{2})\}/g)].map((m) => ({
    lo: parseInt(m[1], 16),
    hi: parseInt(m[2], 16),
    cls: m[3],
  }));
}

const segmenter = new Intl.Segmenter();
const count = (s) => {
  let n = 0;
  for (const _ of segmenter.segment(s)) n++;
  return n;
};

// The class of a code point as Intl.Segmenter behaves with it, found by
// break tests against neighbours of known classes (the table's names).
function probe(cp) {
  const c = String.fromCodePoint(cp);
  const EMO = '\u{1F600}', ZWJ = '\u200D', KA = '\u0915', VIRAMA = '\u094D';
  if (cp === 0x200d) return 'ZW';
  if (count(c + '\u0308') === 2) return 'CN';
  if (count('a' + c) === 1) {
    if (count(EMO + c + ZWJ + EMO) === 2) return 'SM';
    if (count(KA + c + KA) === 1) return 'LK';
    return count(KA + VIRAMA + c + KA) === 1 ? 'EX' : 'EZ';
  }
  if (count(c + 'a') === 1) return 'PP';
  if (count(c + c) === 1 && count(c + c + c) === 2) return 'RI';
  if (count(c + '\u1161') === 1 && count(c + '\u1100') === 1) return 'HL';
  if (count('\u1100' + c) === 1) return count(c + '\u1161') === 2 ? 'LVT' : count('\u1161' + c) === 1 ? 'HV' : 'LV';
  if (count('\u1161' + c) === 1) return 'HT';
  if (count(c + ZWJ + EMO) === 1) return 'EP';
  if (count(c + VIRAMA + KA) === 1) return 'CC';
  return 'OT';
}

function tableClass(table, cp) {
  if (cp >= 0xac00 && cp <= 0xd7a3) return (cp - 0xac00) % 28 === 0 ? 'LV' : 'LVT';
  for (const r of table) if (cp >= r.lo && cp <= r.hi) return r.cls;
  return 'OT';
}

test('the grapheme property table agrees with Intl.Segmenter', () => {
  const table = readTable();
  assert.ok(table.length > 800, `table has ${table.length} rows`);
  const cps = new Set();
  for (const r of table) [r.lo, r.hi, (r.lo + r.hi) >> 1].forEach((c) => cps.add(c));
  // And a deterministic sample of everything else, Hangul syllables included.
  let seed = 12345;
  for (let i = 0; i < 30000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    cps.add(i < 2000 ? 0xac00 + (seed % 11172) : seed % 0x110000);
  }
  const diffs = [];
  for (const cp of cps) {
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x0a || cp === 0x0d) continue;
    const want = probe(cp), got = tableClass(table, cp);
    if (want !== got) diffs.push(`U+${cp.toString(16).toUpperCase()}: table ${got}, Intl.Segmenter ${want}`);
  }
  for (const d of diffs.slice(0, 8)) console.log(d);
  console.log(`grapheme table: ${cps.size} code points probed, ${diffs.length} differences`);
  assert.equal(diffs.length, 0);
});

// ---- generated texts ----------------------------------------------------------

// Random texts from the pieces the regexes and the grapheme rules care
// about, with code points drawn from every class of the table.
function generate(n, seed) {
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const table = readTable();
  const fromTable = () => {
    const r = pick(table);
    return String.fromCodePoint(Math.max(1, r.lo + Math.floor(rnd() * (r.hi - r.lo + 1)))); // no NUL
  };
  const graphemeBits = ['a', ' ', '\r', '\n', '\u200D', '\uFE0F', '\u{1F600}', '\u{1F468}', '\u{1F3FB}', '\u{1F1E6}',
    '\u{1F1F1}', '\u0915', '\u094D', '\u093C', '\u0937', '\u093F', '\u1100', '\u1161', '\u11A8', '\uAC00', '\uAC01',
    '\u0308', '\u0600', '\u0E33', '\u200C', '\u0D4E', 'ë', 'ç'];
  const facetBits = ['@', '#', '＃', '$', '(', ')', '.', ',', ';', ':', '!', '?', 'http://', 'https://', 'HTTPS://',
    'Http://', 'httpbin.org', 'example.com', 'EXAMPLE.COM', 'bsky.social', 'alice', 'al-ice', '.test', ' ', '  ', '\n',
    '\r\n', '\u00A0', '\u3000', '\u2028', '1', '42', '2024', 'a', 'Z', 'ë', 'ç', '😀', '\u200D', '\uFE0F', '\u20E2',
    '\u20E3', '\u00AD', '\u2060', '\u200B', '\u200A', '\u200C', '_', '-', '/', '\u2019', '"', "'", 'AAPL', 'TSLA',
    'GOOGLX', 'tag', 'Shqipëri', '日本語', 'مرحبا', '😀\u200D😀', '🇦🇱', 'x.y', 'a.b.c', 'co.uk', 'foo.bar', 'www.',
    'com', '.com', '.co', '...', '—', '«', '»', '¿', '#️⃣', 'é', 'e\u0301', '@x.test', '%', '&', '=', '*', '[', ']',
    '{', '}', '|', '~', '^', '`', '<', '>', '+', '\t', '\u{1D400}', '\u{10ED0}', '\u1B4E', 'x'.repeat(63),
    'y'.repeat(64), '😀'.repeat(33)];
  const texts = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    const k = 1 + Math.floor(rnd() * 14);
    for (let j = 0; j < k; j++) {
      if (i % 2) s += pick(facetBits);
      else s += rnd() < 0.5 ? pick(graphemeBits) : fromTable();
    }
    texts.push(s);
  }
  return texts;
}

// Tags around every punctuation code point (\p{P} ends a tag and is
// stripped from its end) and around a sample of the rest.
function punctuation() {
  const texts = [];
  for (let cp = 0x21; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (/\p{P}/u.test(c) || cp % 97 === 0) texts.push(`#a${c} #${c}b #${c}`);
  }
  return texts;
}

test('generated texts: graphemeLength and facets equal @atproto/api RichText', () => {
  assert.equal(compare('generated', [...generate(20000, 7), ...punctuation()]).length, 0);
});
