// bench/count/gen.mjs: writes the benchmark's input, N texts generated
// deterministically (fixed seed, no clock, no network) from the conformance
// corpus (tests/data/corpus.ndjson, the edge cases) and from more texts made
// by tests/data/gen_corpus.mjs with another seed, cycled and perturbed:
// picked as they are, glued two by two, given a prefix or suffix, or cut at a
// code point. The same N and seed give the same bytes.
//
// usage: node bench/count/gen.mjs OUT N [SEED]
// OUT holds, for each text, its UTF-8 length as a 32-bit little-endian
// number and then its bytes; both the C driver and bench/count/node.mjs read
// it, so that kanal and the reference libraries count the very same texts.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, prng } from '../../tests/data/gen_corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [out, nArg, seedArg] = process.argv.slice(2);
const n = Number(nArg);
const seed = seedArg === undefined ? 20260301 : Number(seedArg);
if (!out || !Number.isInteger(n) || n < 1 || !Number.isInteger(seed)) {
  console.error('usage: node bench/count/gen.mjs OUT N [SEED]');
  process.exit(2);
}

const corpus = readFileSync(resolve(here, '../../tests/data/corpus.ndjson'), 'utf8')
  .split('\n')
  .filter((l) => l)
  .map((l) => JSON.parse(l).text);
const more = generate(seed ^ 0x5eed, 20000);
const r = prng(seed);
const SEPS = [' ', ' ', ' ', '\n', '\n\n', '. ', ' — ', ''];
const pickA = () => corpus[r.int(corpus.length)];
const pickB = () => more[r.int(more.length)];

// Cuts s after a whole code point (never inside a surrogate pair).
function cut(s, at) {
  let i = Math.min(at, s.length);
  const c = s.charCodeAt(i - 1);
  if (i > 0 && c >= 0xd800 && c <= 0xdbff) i--;
  return s.slice(0, i);
}

function one(i) {
  const k = r.int(100);
  if (k < 20) return corpus[i % corpus.length]; // the corpus, cycled
  if (k < 45) return pickB();
  if (k < 65) return pickA() + r.pick(SEPS) + pickB();
  if (k < 80) return pickB() + r.pick(SEPS) + pickA();
  if (k < 90) return pickB() + r.pick(SEPS) + pickB() + r.pick(SEPS) + pickB();
  const s = pickA() + r.pick(SEPS) + pickB();
  return cut(s, 1 + r.int(Math.max(1, s.length)));
}

const bufs = [];
let total = 0;
let chunk = [];
let chunkBytes = 0;
const flush = () => {
  const b = Buffer.allocUnsafe(chunkBytes);
  let o = 0;
  for (const t of chunk) {
    b.writeUInt32LE(t.length, o);
    t.copy(b, o + 4);
    o += 4 + t.length;
  }
  bufs.push(b);
  total += chunkBytes;
  chunk = [];
  chunkBytes = 0;
};
for (let i = 0; i < n; i++) {
  const t = Buffer.from(one(i), 'utf8');
  chunk.push(t);
  chunkBytes += 4 + t.length;
  if (chunk.length === 65536) flush();
}
flush();
writeFileSync(out, Buffer.concat(bufs, total));
console.log(`texts=${n} bytes=${total - 4 * n} seed=${seed}`);
