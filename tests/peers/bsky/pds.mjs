// The reference Bluesky PDS on loopback, for kanal's peer tests: an
// in-memory PLC directory and a PDS (npm @atproto/dev-env,
// TestNetworkNoAppView), one account with a `.test` handle and an app
// password. Prints one JSON line when ready:
//   {"pds":"http://127.0.0.1:PORT","handle":...,"did":...,"password":...}
// (password is the app password; the account's own password is never
// printed) and shuts down cleanly on SIGTERM or SIGINT, removing its data.
//
// Run with Node 22 (tests/peers/bsky/node_modules/.bin/node, installed by
// setup.sh): `node pds.mjs [--handle alice.test]`. Everything it logs
// besides the ready line goes to stderr.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// Loopback only: the PDS and the PLC directory call listen(port) without a
// host, which would bind every interface.
const origListen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function'))
    args.splice(1, 0, '127.0.0.1');
  return origListen.apply(this, args);
};

// The PDS logs through pino to stdout; stdout is kept for the ready line.
process.env.LOG_ENABLED ??= 'false';
const realStdoutWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);

const { TestNetworkNoAppView } = await import('@atproto/dev-env');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    origListen.call(s, 0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const handle = opt('handle', 'alice.test');

const dir = mkdtempSync(path.join(os.tmpdir(), 'kanal-pds-'));
let network;
let closing = false;

async function shutdown(code) {
  if (closing) return;
  closing = true;
  try {
    if (network) await network.close();
  } catch (e) {
    process.stderr.write(`pds: close: ${e?.message || e}\n`);
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
// A test runner killed outright sends no signal: go when the parent goes.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && shutdown(0), 1000).unref();

try {
  const [pdsPort, plcPort] = [await freePort(), await freePort()];
  mkdirSync(path.join(dir, 'data'));
  network = await TestNetworkNoAppView.create({
    plc: { port: plcPort },
    pds: {
      port: pdsPort,
      dataDirectory: path.join(dir, 'data'),
      blobstoreDiskLocation: path.join(dir, 'blobs'),
    },
  });
  const pds = `http://127.0.0.1:${pdsPort}`;
  const xrpc = async (method, body, token) => {
    const res = await fetch(`${pds}/xrpc/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method}: ${res.status} ${json.error}: ${json.message}`);
    return json;
  };
  const account = await xrpc('com.atproto.server.createAccount', {
    handle,
    email: `${handle.replace(/\./g, '-')}@example.com`,
    password: `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`,
  });
  const app = await xrpc('com.atproto.server.createAppPassword', { name: 'kanal' }, account.accessJwt);
  realStdoutWrite(`${JSON.stringify({ pds, handle: account.handle, did: account.did, password: app.password })}\n`);
} catch (e) {
  process.stderr.write(`pds: ${e?.stack || e}\n`);
  await shutdown(1);
}
