// Shared by the conformance tests: the corpus, and kanal's answers for it.
// Each *.test.mjs runs kanal once over the whole corpus and compares every
// answer with the network's reference library.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const corpusPath = resolve(root, 'tests/data/corpus.ndjson');
export const kanalBin = process.env.KANAL_BIN || resolve(root, 'build/asan/kanal');

// The corpus texts, in file order (one {"text": "..."} per line).
export function readCorpus(path = corpusPath) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const v = JSON.parse(line);
      if (typeof v.text !== 'string') throw new Error(`${path}:${i + 1}: no "text" string`);
      return v.text;
    });
}

// Run `kanal text count --network NETWORK --ndjson` once over texts; returns
// the parsed answer lines, one per text, in order. Throws when kanal fails
// in a way other than reporting per-text errors, or answers a different
// number of lines.
export function runKanal(network, texts, { bin = kanalBin } = {}) {
  const input = texts.map((text) => JSON.stringify({ text })).join('\n') + '\n';
  const r = spawnSync(bin, ['text', 'count', '--network', network, '--ndjson'], {
    input,
    maxBuffer: 1 << 30,
    env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:exitcode=86' },
  });
  if (r.error) throw r.error;
  const lines = r.stdout.toString('utf8').split('\n').filter((l) => l !== '');
  if (r.status !== 0 && r.status !== 1) throw new Error(`kanal exited with ${r.status}: ${r.stderr}`);
  if (lines.length !== texts.length)
    throw new Error(`kanal answered ${lines.length} lines for ${texts.length} texts: ${r.stderr}`);
  return lines.map((l) => JSON.parse(l));
}

// A short, readable form of a text for failure reports.
export function show(text, max = 160) {
  const s = JSON.stringify(text);
  return s.length > max ? s.slice(0, max) + `… (${text.length} UTF-16 units)` : s;
}
