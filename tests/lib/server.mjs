// Start and stop a real `kanal serve` on a random loopback port with a
// temporary database, for API and browser tests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const KANAL_BIN = resolve(process.env.KANAL_BIN || 'build/asan/kanal');
export const DEMO_PASSWORD = 'drita-demo-2026';

// KANAL_TEST_PG=postgres://user@host:port/ (tests/pg/run.sh sets it): every
// server gets a fresh PostgreSQL database instead of a SQLite file, its
// media and key file in the temporary folder (KANAL_DATA_DIR).
const PG = process.env.KANAL_TEST_PG || '';
const dataDirs = new Map(); // PostgreSQL db URL -> its data folder

function psql(sql) {
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', PG + 'postgres', '-c', sql], { stdio: 'pipe' });
}

// A fresh database for a test that runs kanal itself: a SQLite file in dir,
// or (KANAL_TEST_PG) a new PostgreSQL database with dir as its data folder.
// dbEnv(db) is the environment a kanal process on it needs.
export function freshDb(dir) {
  if (!PG) return join(dir, 'kanal.db');
  const name = 'kanal_' + dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, '_') + '_' + process.pid;
  psql(`CREATE DATABASE ${name}`);
  dataDirs.set(PG + name, dir);
  return PG + name;
}
export function dbEnv(db) {
  return dataDirs.has(db) ? { KANAL_DATA_DIR: dataDirs.get(db) } : {};
}

// Run a kanal CLI command synchronously against db; returns stdout.
export function kanal(db, args, input) {
  const extra = dataDirs.has(db) ? { KANAL_DATA_DIR: dataDirs.get(db) } : {};
  return execFileSync(KANAL_BIN, ['--db', db, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, KANAL_LOG_LEVEL: 'warn', ...extra },
  });
}

// Start a server. opts.demo: seed the demo world first. opts.env: extra env.
// Returns { url, port, db, dir, proc, stderr(), stop() }. stop() sends
// SIGTERM and resolves with { code, signal, stderr }; it rejects when the
// sanitizers reported anything.
export async function startServer(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kanal-test-'));
  const db = freshDb(dir);
  const pgName = PG ? db.slice(PG.length) : '';
  // a test that spawns kanal on this database itself (`kanal worker`)
  // finds its data folder in the environment
  if (PG) process.env.KANAL_DATA_DIR = dir;
  if (opts.demo) kanal(db, ['demo', '--no-serve']);
  else kanal(db, ['migrate']);
  const proc = spawn(KANAL_BIN, ['--db', db, 'serve', '--listen', '127.0.0.1:0', ...(opts.args || [])], {
    env: { ...process.env, KANAL_LOG_LEVEL: 'info', ...(PG ? { KANAL_DATA_DIR: dir } : {}), ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stderr.on('data', (d) => { err += d; });
  proc.stdout.on('data', (d) => { out += d; });
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('kanal serve did not start:\n' + err + out)), 20000);
    const check = () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err + out);
      if (m) { clearTimeout(t); res(Number(m[1])); }
    };
    proc.stderr.on('data', check);
    proc.stdout.on('data', check);
    proc.on('exit', (code) => { clearTimeout(t); rej(new Error(`kanal serve exited ${code}:\n${err}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  let stopped = null;
  const stop = () => {
    if (stopped) return stopped;
    stopped = new Promise((res, rej) => {
      if (proc.exitCode !== null) return res({ code: proc.exitCode, stderr: err });
      proc.on('exit', (code, signal) => {
        rmSync(dir, { recursive: true, force: true });
        if (pgName) {
          dataDirs.delete(db);
          try { psql(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`); } catch { /* the cluster goes with the run */ }
        }
        if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(err)) {
          rej(new Error('sanitizer report from kanal serve:\n' + err.slice(-8000)));
        } else if (code !== 0) {
          rej(new Error(`kanal serve exited with ${code} ${signal}:\n` + err.slice(-4000)));
        } else res({ code, signal, stderr: err });
      });
      proc.kill('SIGTERM');
    });
    return stopped;
  };
  return { url, port, db, dir, proc, stderr: () => err, stop };
}

// A tiny JSON client. Returns { status, headers, body (parsed or text) }.
export async function api(base, method, path, { body, token, cookie, csrf, origin, headers, raw } = {}) {
  const h = { ...(headers || {}) };
  if (body !== undefined && raw === undefined) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  if (csrf) h['x-csrf-token'] = csrf;
  if (origin) h.origin = origin;
  const res = await fetch(base + path, {
    method,
    headers: h,
    body: raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : undefined,
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed = text;
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

// Sign in over HTTP; returns { cookie, csrf, user, origin }.
export async function login(base, email, password = DEMO_PASSWORD) {
  const r = await api(base, 'POST', '/api/v1/auth/login', { body: { email, password }, origin: base });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  const setCookie = r.headers.get('set-cookie') || '';
  const cookie = setCookie.split(';')[0];
  return { cookie, csrf: r.body.csrf_token, user: r.body.user, origin: base };
}
