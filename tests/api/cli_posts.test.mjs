// The content commands of the CLI (issue 3): kanal post create | list |
// show | validate, kanal calendar as a table, kanal import posts — against a
// temporary demo database, checking output values and exit codes, and that
// what the CLI writes is what the API then serves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KANAL_BIN, startServer } from '../lib/server.mjs';
import { login, sapi } from './_helpers.mjs';

let dir;
let db;
const YEAR = new Date().getUTCFullYear() + 1;
const DST_DAY = (() => {
  for (let d = 31; d >= 25; d--) if (new Date(Date.UTC(YEAR, 2, d)).getUTCDay() === 0) return d;
  throw new Error('no Sunday');
})();
const day = (d) => new Date(Date.UTC(YEAR, 2, d)).toISOString().slice(0, 10);

function run(args, { input = '' } = {}) {
  const env = { ...process.env, KANAL_LOG_LEVEL: 'warn' };
  delete env.KANAL_DB;
  delete env.KANAL_CONFIG;
  const r = spawnSync(KANAL_BIN, ['--db', db, ...args], { input, env, cwd: dir, encoding: 'utf8', timeout: 60000 });
  assert.doesNotMatch(r.stderr || '', /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/, args.join(' '));
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}
function ok(args, opts) {
  const r = run(args, opts);
  assert.equal(r.status, 0, `kanal ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kanal-cli-posts-'));
  db = join(dir, 'kanal.db');
  ok(['demo', '--no-serve']);
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

let created;
test('post create: channels by network or id, title and link; show prints it back', () => {
  const out = ok(['post', 'create', '--workspace', 'hotel-guri-i-kuq', '--text', 'Mëngjes, me pamje nga deti 🌅', '--title', 'CLI sunrise',
    '--channels', 'instagram|3', '--link', 'https://gurikuq.al/oferta']);
  const m = /^created post (\d+) \(draft\) in Hotel Guri i Kuq for (.+)\n$/.exec(out);
  assert.ok(m, out);
  created = Number(m[1]);
  assert.deepEqual(m[2].split(', ').sort(), ['bluesky', 'instagram']);
  const show = ok(['post', 'show', '--workspace', '1', String(created)]);
  assert.match(show, new RegExp(`^Post ${created} · draft\\n`));
  assert.match(show, /^Title: +CLI sunrise$/m);
  assert.match(show, /^Link: +https:\/\/gurikuq\.al\/oferta$/m);
  assert.match(show, /^ {2}Mëngjes, me pamje nga deti 🌅$/m);
  assert.match(show, /^ {2}instagram +Hotel Guri i Kuq/m);
  assert.match(show, /^ {2}bluesky +Guri i Kuq/m);
});

test('post create refuses what the API refuses, with the same codes (exit 1)', () => {
  const r1 = run(['post', 'create', '--workspace', '1', '--text', 'x', '--channels', 'myspace']);
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, /^kanal: post\.channel: myspace is neither a network nor a channel id$/m);
  const r2 = run(['post', 'create', '--workspace', '1', '--text', 'x', '--link', 'javascript:alert(1)']);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /kanal: post\.link:/);
  const r3 = run(['post', 'create', '--workspace', '999', '--text', 'x']);
  assert.equal(r3.status, 1);
  assert.match(r3.stderr, /workspace/);
  assert.equal(run(['post', 'create', '--workspace', '1']).status, 2, 'no --text: usage');
  assert.equal(run(['post', 'frobnicate', '--workspace', '1']).status, 2);
  // A channel of another workspace is not found here.
  const foreign = run(['post', 'create', '--workspace', '1', '--text', 'x', '--channels', '7']);
  assert.equal(foreign.status, 1);
  assert.match(foreign.stderr, /post\.channel: no channel 7 in this workspace/);
});

test('post list: newest first, with state and local time; --state filters', () => {
  const out = ok(['post', 'list', '--workspace', '1']);
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^ID +STATE +WHEN +TITLE$/);
  assert.match(lines[1], new RegExp(`^${created} +draft +- +CLI sunrise$`));
  assert.match(out, /^\d+ +scheduled +\d{4}-\d{2}-\d{2} \d{2}:\d{2} +\S/m);
  assert.match(lines[lines.length - 1], /^\d+ post\(s\)$/);
  const drafts = ok(['post', 'list', '--workspace', '1', '--state', 'draft']);
  assert.ok(drafts.trim().split('\n').slice(1, -1).every((l) => / draft /.test(l)), drafts);
  const bad = run(['post', 'list', '--workspace', '1', '--state', 'bogus']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /cli\.state/);
});

test('post validate: each variant\'s network, count/limit and problems; exit 1 on any problem', () => {
  const r = run(['post', 'validate', '--workspace', '1', String(created)]);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0], /^NETWORK +CHANNEL +COUNT +PROBLEMS$/);
  const variants = rows.filter((l) => /^(instagram|bluesky) /.test(l));
  assert.equal(variants.length, 2, r.stdout);
  for (const l of variants) assert.match(l, /^(instagram|bluesky) +\S.* +(\d+\/\d+|-) +(ok|text\.\S+.*)$/);
  const problems = variants.some((l) => !/ ok$/.test(l));
  assert.equal(r.status, problems ? 1 : 0, r.stdout + r.stderr);
  // A post past X's limit (the bakery has an X channel).
  const long = ok(['post', 'create', '--workspace', '2', '--text', 'a'.repeat(400), '--channels', 'x']);
  const id = /created post (\d+)/.exec(long)[1];
  const v = run(['post', 'validate', '--workspace', '2', id]);
  const line = v.stdout.split('\n').find((l) => l.startsWith('x '));
  assert.ok(line, v.stdout);
  if (/ \d+\/\d+ /.test(line)) {
    // With the text engine: the count the network applies, and the problem.
    assert.match(line, / 400\/280 +text\.too_long/);
    assert.equal(v.status, 1);
    assert.match(v.stderr, /^kanal: post\.invalid_variants: 1 of 1 variant\(s\) of post \d+ have problems$/m);
  } else {
    assert.equal(v.status, line.endsWith(' ok') ? 0 : 1);
  }
  // No channels at all is a problem too.
  const none = ok(['post', 'create', '--workspace', '1', '--text', 'nowhere']);
  const nid = /created post (\d+)/.exec(none)[1];
  const n = run(['post', 'validate', '--workspace', '1', nid]);
  assert.equal(n.status, 1);
  assert.match(n.stderr, /post\.no_channels/);
  const nf = run(['post', 'validate', '--workspace', '1', '999999']);
  assert.equal(nf.status, 1);
  assert.match(nf.stderr, /post\.not_found/);
  assert.equal(run(['post', 'show', '--workspace', '1']).status, 2, 'no id: usage');
});

test('import posts: --dry-run writes nothing; a real import schedules at local times; bad files exit 1 with every row', () => {
  const file = join(dir, 'plan.csv');
  writeFileSync(file, '\uFEFFtitle,text,channels,date,time,tags\r\n'
    + `Para,"Dimër, ora 9",instagram|bluesky,${day(DST_DAY - 1)},09:00,plan\r\n`
    + `Pas,"Verë, ora 9",instagram,${day(DST_DAY)},09:00,plan\r\n`
    + 'Ide,Pa datë,,,,\r\n');
  const before = ok(['post', 'list', '--workspace', '1']);
  const dry = ok(['import', 'posts', '--workspace', '1', file, '--dry-run']);
  assert.equal(dry, '3 row(s) are valid: 2 would be scheduled, 1 drafts; nothing was written (dry run)\n');
  assert.equal(ok(['post', 'list', '--workspace', '1']), before);
  const real = ok(['import', 'posts', '--workspace', '1', file]);
  assert.equal(real, 'imported 3 post(s) into Hotel Guri i Kuq: 2 scheduled, 1 drafts\n');
  const list = ok(['post', 'list', '--workspace', '1']);
  assert.match(list, new RegExp(`^\\d+ +scheduled +${day(DST_DAY - 1)} 09:00 +Para$`, 'm'));
  assert.match(list, new RegExp(`^\\d+ +scheduled +${day(DST_DAY)} 09:00 +Pas$`, 'm'));
  assert.match(list, /^\d+ +draft +- +Ide$/m);
  // From stdin, with problems: each one printed, exit 1, nothing kept.
  const bad = run(['import', 'posts', '--workspace', '1', '-'], {
    input: `text,channels,date,time\nok,instagram,${day(DST_DAY)},10:00\nbad date,instagram,${day(DST_DAY)}x,10:00\ngap,instagram,${day(DST_DAY)},02:30\n`,
  });
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.deepEqual(bad.stdout.trim().split('\n').map((l) => /^error: row \d+ \(line \d+\), \w+: csv\.\w+/.exec(l)?.[0]), [
    'error: row 3 (line 3), date: csv.date',
    'error: row 4 (line 4), time: csv.time_in_gap',
  ]);
  assert.match(bad.stderr, /^kanal: csv\.invalid: 2 problem\(s\) in -; nothing was imported$/m);
  assert.equal(ok(['post', 'list', '--workspace', '1']), list);
  const missing = run(['import', 'posts', '--workspace', '1', join(dir, 'nope.csv')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cli\.file/);
  assert.equal(run(['import', 'things', '--workspace', '1', file]).status, 2);
});

test('calendar: a week (Monday first) and a month, days as rows, local times, titles and networks', () => {
  const week = ok(['calendar', '--workspace', '1', '--week', '--date', day(DST_DAY)]);
  const lines = week.split('\n');
  const monday = day(DST_DAY - 6);
  assert.equal(lines[0], `Hotel Guri i Kuq · week ${monday} to ${day(DST_DAY)} · Europe/Tirane`);
  const dayRows = lines.filter((l) => /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d \w{3}/.test(l));
  assert.deepEqual(dayRows.map((l) => l.slice(0, 3)), ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
  const sat = lines.find((l) => l.startsWith(`Sat ${String(DST_DAY - 1).padStart(2, '0')} Mar`));
  const sun = lines.find((l) => l.startsWith(`Sun ${String(DST_DAY).padStart(2, '0')} Mar`));
  assert.match(sat, /^Sat \d\d Mar +09:00 {2}Para +instagram, bluesky {2}\[scheduled\]$/);
  assert.match(sun, /^Sun \d\d Mar +09:00 {2}Pas +instagram {2}\[scheduled\]$/);
  assert.match(lines.find((l) => l.startsWith('Mon')), /^Mon \d\d Mar +-$/);
  assert.match(week, /\n2 post\(s\)\n$/);
  const month = ok(['calendar', '--workspace', '1', '--month', '--date', day(DST_DAY)]);
  const mrows = month.split('\n').filter((l) => /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d Mar/.test(l));
  assert.equal(mrows.length, 31);
  assert.match(month.split('\n')[0], new RegExp(`month ${YEAR}-03-01 to ${YEAR}-03-31`));
  const bad = run(['calendar', '--workspace', '1', '--date', '28/03/2027']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /cli\.date/);
  assert.equal(run(['calendar', '--workspace', '1', '--week', '--month']).status, 2);
  // Today's week by default.
  assert.match(ok(['calendar', '--workspace', '1']), /^Hotel Guri i Kuq · week \d{4}-\d\d-\d\d to /);
});

test('--help for each command prints its usage and exits 0', () => {
  for (const [cmd, want] of [['post', /^usage: kanal post create --workspace WS --text TEXT/], ['calendar', /^usage: kanal calendar --workspace WS \[--week\|--month\]/], ['import', /^usage: kanal import posts --workspace WS FILE\.csv \[--dry-run\]/]]) {
    const r = run([cmd, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, want);
  }
  assert.match(ok(['--help']), /\n {2}calendar +Print the week's or month's posts/);
});

test('what the CLI imported is what the API serves', async () => {
  const srv = await startServer({ demo: false });
  try {
    // a fresh server has its own database; import there through the CLI too
    const env = { ...process.env, KANAL_LOG_LEVEL: 'warn' };
    const file = join(dir, 'api.csv');
    writeFileSync(file, 'text,tags\n"via cli, with a comma",a|b\n');
    const w = spawnSync(KANAL_BIN, ['--db', srv.db, 'workspace', 'add', 'Api Check', '--timezone', 'Europe/Tirane', '--owner', 'nobody@example.org'], { env, encoding: 'utf8' });
    assert.equal(w.status, 1, 'unknown owner');
    const u = spawnSync(KANAL_BIN, ['--db', srv.db, 'user', 'add', 'owner@example.org', '--name', 'Owner', '--password-stdin'], { env, encoding: 'utf8', input: 'owner-pass-2026\n' });
    assert.equal(u.status, 0, u.stderr);
    const w2 = spawnSync(KANAL_BIN, ['--db', srv.db, 'workspace', 'add', 'Api Check', '--timezone', 'Europe/Tirane', '--owner', 'owner@example.org'], { env, encoding: 'utf8' });
    assert.equal(w2.status, 0, w2.stderr);
    const i = spawnSync(KANAL_BIN, ['--db', srv.db, 'import', 'posts', '--workspace', 'api-check', file], { env, encoding: 'utf8' });
    assert.equal(i.status, 0, i.stdout + i.stderr);
    assert.match(i.stdout, /imported 1 post\(s\) into Api Check: 0 scheduled, 1 drafts/);
    const s = await login(srv.url, 'owner@example.org', 'owner-pass-2026');
    const posts = await sapi(srv.url, s, 'GET', '/api/v1/workspaces/1/posts');
    assert.deepEqual(posts.body.posts.map((p) => [p.master_text, p.state, p.tags]), [['via cli, with a comma', 'draft', ['a', 'b']]]);
  } finally {
    await srv.stop();
  }
});
