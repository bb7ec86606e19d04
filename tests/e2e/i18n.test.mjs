// The translation catalogs agree with each other and with the code: every key
// exists in every language, every key the UI names exists, every role,
// permission and documented error code has a translation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB = join(ROOT, 'web');
const LANGS = ['en', 'sq'];
const catalogs = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(WEB, 'i18n', `${l}.json`), 'utf8'))]));

function jsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (p.endsWith('.js')) out.push(p);
  }
  return out;
}

const API_MD = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
const PERMISSIONS = /`(workspace\.read,[^`]+)`/.exec(API_MD)[1].split(/,\s*/).map((s) => s.trim());

// Keys named in the code: t('x.y') / tn('x.y', n) calls, and string literals
// that look like keys of a catalog namespace (nav tables, label maps).
// Permission names ('audit.read') are data, not keys; 'errors.' + code is a prefix.
function usedKeys() {
  const namespaces = new Set(Object.keys(catalogs.en).map((k) => k.split('.')[0]));
  const used = new Map();
  for (const file of jsFiles(WEB)) {
    const src = readFileSync(file, 'utf8');
    const add = (key, how) => {
      if (key.endsWith('.') || PERMISSIONS.includes(key)) return;
      if (!used.has(key)) used.set(key, `${relative(ROOT, file)} (${how})`);
    };
    for (const m of src.matchAll(/\btn?\(\s*(['"])([^'"`]+?)\1/g)) add(m[2], 't() call');
    for (const m of src.matchAll(/(['"])([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\1/g)) {
      if (namespaces.has(m[2].split('.')[0]) && !/\.(js|json|css|html|svg)$/.test(m[2])) add(m[2], 'literal');
    }
  }
  return used;
}

function hasKey(cat, key) {
  // tn() keys resolve to key_one / key_other.
  return Object.prototype.hasOwnProperty.call(cat, key) || Object.prototype.hasOwnProperty.call(cat, key + '_other');
}

test('every catalog has the same keys', () => {
  const [a, ...rest] = LANGS;
  for (const b of rest) {
    const onlyA = Object.keys(catalogs[a]).filter((k) => !(k in catalogs[b]));
    const onlyB = Object.keys(catalogs[b]).filter((k) => !(k in catalogs[a]));
    assert.deepEqual(onlyA, [], `keys in ${a}.json but not in ${b}.json`);
    assert.deepEqual(onlyB, [], `keys in ${b}.json but not in ${a}.json`);
  }
});

test('no catalog value is empty, and placeholders match across languages', () => {
  for (const key of Object.keys(catalogs.en)) {
    const ph = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const l of LANGS) {
      assert.equal(typeof catalogs[l][key], 'string', `${l}.json ${key} is not a string`);
      assert.ok(catalogs[l][key].trim().length > 0, `${l}.json ${key} is empty`);
      assert.deepEqual(ph(catalogs[l][key]), ph(catalogs.en[key]), `${l}.json ${key}: placeholders differ from en`);
    }
  }
});

test('the Albanian catalog is a translation, not a copy', () => {
  const nav = Object.keys(catalogs.en).filter((k) => k.startsWith('nav.'));
  assert.equal(nav.length, 10);
  for (const k of nav) assert.notEqual(catalogs.sq[k], catalogs.en[k], `sq ${k} is untranslated`);
  assert.equal(catalogs.sq['nav.settings'], 'Cilësimet');
  assert.equal(catalogs.sq['nav.inbox'], 'Kutia hyrëse');
  assert.equal(catalogs.sq['login.submit'], 'Hyr');
  assert.equal(catalogs.sq['shell.sign_out'], 'Dil');
});

test('every key the UI code uses is in every catalog', () => {
  const used = usedKeys();
  assert.ok(used.size > 100, `found only ${used.size} keys in web/**/*.js; the scan is broken`);
  const missing = [];
  for (const [key, where] of used) {
    for (const l of LANGS) if (!hasKey(catalogs[l], key)) missing.push(`${l}.json lacks ${key} — used in ${where}`);
  }
  assert.deepEqual(missing, []);
});

test('every role and permission has a translation', () => {
  // The one matrix lives in src/core/perm.c; fall back to docs/api.md.
  let roles = [];
  let perms = [];
  const permC = join(ROOT, 'src', 'core', 'perm.c');
  if (existsSync(permC)) {
    const src = readFileSync(permC, 'utf8');
    const list = (name) => {
      const m = new RegExp(`${name}\\s*\\[[^\\]]*\\]\\s*=\\s*\\{([^}]*)\\}`).exec(src);
      return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]) : [];
    };
    roles = list('role_names');
    perms = list('perm_names').filter((p) => p.includes('.'));
  }
  const api = API_MD;
  if (!roles.length) roles = /^Roles: `([^`]+)`/m.exec(api)[1].split(/,\s*/);
  if (!perms.length) perms = /`(workspace\.read,[^`]+)`/.exec(api)[1].split(/,\s*/).map((s) => s.trim());
  assert.equal(roles.length, 8);
  assert.ok(perms.length >= 15, `found ${perms.length} permissions`);
  const missing = [];
  for (const l of LANGS) {
    for (const r of roles) if (!catalogs[l]['roles.' + r]) missing.push(`${l}: roles.${r}`);
    for (const p of perms) if (!catalogs[l]['perms.' + p]) missing.push(`${l}: perms.${p}`);
  }
  assert.deepEqual(missing, []);
});

test('every error code in docs/api.md has a translation', () => {
  const api = API_MD;
  const permList = PERMISSIONS;
  const codes = new Set();
  for (const m of api.matchAll(/`([a-z_]+\.[a-z_]+)`/g)) if (!permList.includes(m[1])) codes.add(m[1]);
  for (const m of api.matchAll(/"code":\s*"([a-z_]+\.[a-z_]+)"/g)) codes.add(m[1]);
  assert.ok(codes.has('auth.invalid_credentials') && codes.has('member.last_owner'), 'error codes not found in docs/api.md');
  const missing = [];
  for (const l of LANGS) for (const c of codes) if (!catalogs[l]['errors.' + c]) missing.push(`${l}: errors.${c}`);
  assert.deepEqual(missing, []);
});

test('date names have 12 months and 7 weekdays in every language', () => {
  for (const l of LANGS) {
    assert.equal(catalogs[l]['date.months_short'].split(',').length, 12, `${l} months`);
    assert.equal(catalogs[l]['date.weekdays'].split(',').length, 7, `${l} weekdays`);
  }
});

test('every error code the server sends to a browser has a translation', () => {
  // err_set(e, ERR_X, "code", ...) in the HTTP, core and base layers; codes
  // of the CLI, configuration, backups and the store's internals never reach
  // the UI as such (a 5xx shows errors.server).
  const internal = /^(cli|config|backup|http|openapi|internal)\.|^store\.(?!busy)/;
  const codes = new Set();
  for (const dir of ['http', 'core', 'base']) {
    const d = join(ROOT, 'src', dir);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d).filter((f) => f.endsWith('.c'))) {
      const src = readFileSync(join(d, name), 'utf8');
      for (const m of src.matchAll(/ERR_[A-Z]+,\s*"([a-z_]+\.[a-z_]+)"/g)) if (!internal.test(m[1])) codes.add(m[1]);
    }
  }
  if (!codes.size) return; // no server source here
  assert.ok(codes.has('member.last_owner'), 'the scan of src/ found the error codes');
  const missing = [];
  for (const l of LANGS) for (const c of codes) if (!catalogs[l]['errors.' + c]) missing.push(`${l}: errors.${c}`);
  assert.deepEqual(missing, []);
});
