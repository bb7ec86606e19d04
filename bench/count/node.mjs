// bench/count/node.mjs: the anchor. Loads the first COUNT texts of FILE
// (written by gen.mjs) into memory, warms the JIT up on a few thousand of
// them, then times only the reference library calls over all COUNT texts:
//
//   x        npm twitter-text parseTweet(text) (weightedLength and valid)
//   bluesky  npm @atproto/api new RichText({ text }), graphemeLength and
//            detectFacetsWithoutResolution(); valid = graphemes ≤ 300 and
//            UTF-8 bytes ≤ 3000, as Bluesky's limits are
//
// usage: node bench/count/node.mjs FILE COUNT x|bluesky
// Prints one line: lib=... texts=N seconds=S rate=R length_sum=L valid=V
// entities=E (entities: facets; twitter-text's parseTweet reports none).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(resolve(root, 'package.json'));
const [file, countArg, net] = process.argv.slice(2);
const count = Number(countArg);
if (!file || !Number.isInteger(count) || count < 1 || (net !== 'x' && net !== 'bluesky')) {
  console.error('usage: node bench/count/node.mjs FILE COUNT x|bluesky');
  process.exit(2);
}

const buf = readFileSync(file);
const texts = [];
for (let o = 0; o < buf.length && texts.length < count; ) {
  const len = buf.readUInt32LE(o);
  texts.push(buf.toString('utf8', o + 4, o + 4 + len));
  o += 4 + len;
}
if (texts.length < count) {
  console.error(`node.mjs: ${file} holds only ${texts.length} texts`);
  process.exit(1);
}

let run;
let lib;
if (net === 'x') {
  const twttr = require('twitter-text');
  lib = 'twitter-text';
  run = (list) => {
    let len = 0;
    let valid = 0;
    for (let i = 0; i < list.length; i++) {
      const p = twttr.parseTweet(list[i]);
      len += p.weightedLength;
      if (p.valid) valid++;
    }
    return { len, valid, ents: 0 };
  };
} else {
  const { RichText } = require('@atproto/api');
  lib = 'atproto-richtext';
  run = (list) => {
    let len = 0;
    let valid = 0;
    let ents = 0;
    for (let i = 0; i < list.length; i++) {
      const rt = new RichText({ text: list[i] });
      const g = rt.graphemeLength;
      rt.detectFacetsWithoutResolution();
      len += g;
      if (g <= 300 && rt.length <= 3000) valid++;
      if (rt.facets) ents += rt.facets.length;
    }
    return { len, valid, ents };
  };
}

run(texts.slice(0, Math.min(count, 5000))); // warm-up: JIT, lazy tables
const t0 = process.hrtime.bigint();
const sum = run(texts);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  `lib=${lib} texts=${count} seconds=${s.toFixed(3)} rate=${Math.round(count / s)} length_sum=${sum.len} valid=${sum.valid} entities=${sum.ents}`,
);
