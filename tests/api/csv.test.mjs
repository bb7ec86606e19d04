// CSV import and export of posts (issue 3, editorial calendar): a dry run
// that reports every bad row with its row, column and code and writes
// nothing; a real import that keeps all rows or none; scheduling by role;
// RFC 4180 details (BOM, CRLF, quotes, line breaks in cells); hostile files;
// the export with the same columns, its formula guard, and a round trip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { login, sapi, assertProblem } from './_helpers.mjs';

let srv;
const who = {};
let ws; // a fresh workspace for exact counts
let ch; // network -> channel id in ws
const YEAR = new Date().getUTCFullYear() + 1;
const DST_DAY = (() => {
  for (let d = 31; d >= 25; d--) if (new Date(Date.UTC(YEAR, 2, d)).getUTCDay() === 0) return d;
  throw new Error('no Sunday');
})();
const day = (d) => `${YEAR}-03-${String(d).padStart(2, '0')}`;
const HEADER = 'title,text,link,content_type,channels,date,time,tags,notes';

before(async () => {
  srv = await startServer({ demo: true });
  for (const n of ['elira', 'arben', 'mira', 'luan', 'sokol']) who[n] = await login(srv.url, `${n}@studiodrita.al`);
  const w = await sapi(srv.url, who.elira, 'POST', '/api/v1/workspaces', { name: 'CSV Test', timezone: 'Europe/Tirane', language: 'sq', currency: 'ALL' });
  assert.equal(w.status, 201, JSON.stringify(w.body));
  ws = w.body.workspace.id;
  for (const [email, role] of [['arben@studiodrita.al', 'strategist'], ['mira@studiodrita.al', 'content_manager'], ['luan@studiodrita.al', 'creative'], ['sokol@studiodrita.al', 'analyst']]) {
    const m = await sapi(srv.url, who.elira, 'POST', `/api/v1/workspaces/${ws}/members`, { email, role });
    assert.equal(m.status, 201, JSON.stringify(m.body));
  }
  ch = {};
  for (const [network, name] of [['instagram', 'CSV Insta'], ['bluesky', 'CSV Sky'], ['x', 'CSV X one'], ['x', 'CSV X two']]) {
    const c = await sapi(srv.url, who.elira, 'POST', `/api/v1/workspaces/${ws}/channels`, { network, name });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    ch[network] = ch[network] ? [].concat(ch[network], c.body.channel.id) : c.body.channel.id;
  }
});
after(async () => { await srv?.stop(); });

const P = () => `/api/v1/workspaces/${ws}`;
function importCsv(sess, body, { dry = false, type = 'text/csv; charset=utf-8', path } = {}) {
  return sapi(srv.url, sess, 'POST', path || `${P()}/posts/import${dry ? '?dry_run=1' : ''}`, undefined,
    { raw: body, headers: { 'content-type': type } });
}
async function allPosts() {
  const r = await sapi(srv.url, who.elira, 'GET', `${P()}/posts?limit=200`);
  assert.equal(r.status, 200);
  return r.body.posts;
}

// A small RFC 4180 reader for the export.
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', i = 0, q = false;
  while (i < text.length) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { q = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"') { q = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    cell += c; i++;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const GOOD = '\uFEFF' + [
  HEADER,
  `Sunrise,"Mëngjes, me pamje ""nga"" deti 🌅\nRreshti i dytë",https://gurikuq.al/oferta,image,instagram|bluesky,${day(DST_DAY - 1)},09:00,summer|sea,internal note`,
  `After the change,Ora verore,,text,${ch?.instagram ?? 'instagram'},${day(DST_DAY)},9:00,,`,
  'Idea,"Just an idea, no date",,,,,,,',
].join('\r\n') + '\r\n';

test('a dry run checks a good file and writes nothing', async () => {
  const good = GOOD.replace(/,instagram,/, `,${ch.instagram},`);
  const before = await allPosts();
  const r = await importCsv(who.arben, good, { dry: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.dry_run, true);
  assert.equal(r.body.valid, true, JSON.stringify(r.body.errors));
  assert.equal(r.body.rows, 3);
  assert.deepEqual(r.body.errors, []);
  assert.equal(r.body.errors_total, 0);
  assert.deepEqual(r.body.posts.map((p) => [p.row, p.state, p.local ?? null, p.scheduled_at ?? null]), [
    [2, 'scheduled', `${day(DST_DAY - 1)}T09:00`, `${day(DST_DAY - 1)}T08:00:00.000Z`],
    [3, 'scheduled', `${day(DST_DAY)}T09:00`, `${day(DST_DAY)}T07:00:00.000Z`],
    [4, 'draft', null, null],
  ]);
  assert.ok(r.body.posts.every((p) => p.id === undefined), 'no ids in a dry run');
  assert.deepEqual(await allPosts(), before);
});

test('a real import by a strategist creates and schedules every row, in the workspace zone', async () => {
  const good = GOOD.replace(/,instagram,/, `,${ch.instagram},`);
  const r = await importCsv(who.arben, good);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.valid, true);
  assert.equal(r.body.posts.length, 3);
  const [a, b, c] = await Promise.all(r.body.posts.map(async (p) => (await sapi(srv.url, who.elira, 'GET', `${P()}/posts/${p.id}`)).body.post));
  assert.equal(a.title, 'Sunrise');
  assert.equal(a.master_text, 'Mëngjes, me pamje "nga" deti 🌅\nRreshti i dytë');
  assert.equal(a.link, 'https://gurikuq.al/oferta');
  assert.equal(a.content_type, 'image');
  assert.deepEqual(a.tags, ['summer', 'sea']);
  assert.equal(a.notes, 'internal note');
  assert.deepEqual(a.variants.map((v) => v.channel.network).sort(), ['bluesky', 'instagram']);
  assert.equal(a.state, 'scheduled');
  assert.equal(a.scheduled_at, `${day(DST_DAY - 1)}T08:00:00.000Z`);
  assert.deepEqual(a.schedule, { local: `${day(DST_DAY - 1)}T09:00`, timezone: 'Europe/Tirane' });
  assert.equal(b.scheduled_at, `${day(DST_DAY)}T07:00:00.000Z`);
  assert.deepEqual(b.variants.map((v) => v.channel.id), [ch.instagram]);
  assert.equal(c.state, 'draft');
  assert.equal(c.master_text, 'Just an idea, no date');
  assert.equal(c.created_by, who.arben.user.id);
  const audit = await sapi(srv.url, who.elira, 'GET', `${P()}/audit?limit=50`);
  const imp = audit.body.entries.find((x) => x.action === 'post.import');
  assert.ok(imp, 'audited as post.import');
  assert.deepEqual(imp.after, { rows: 3, scheduled: 2, drafts: 1 });
  assert.equal(audit.body.entries.filter((x) => x.action === 'post.create').length, 3);
});

test('every bad row is reported with its row, column and code; nothing is written', async () => {
  const rows = [
    HEADER,
    `Bad date,text,,,instagram,28/03/${YEAR},09:00,,`, // 2
    `Gap,text,,,instagram,${day(DST_DAY)},02:30,,`, // 3
    'Unknown channel,text,,,myspace,,,,', // 4
    'Type,text,,podcast,,,,,', // 5
    'Link,text,javascript:alert(1),,,,,,', // 6
    'Too few,text', // 7
    'Quote,te"xt,,,,,,,', // 8
    'Empty,,,,,,,,', // 9
    `Past,text,,,instagram,2020-01-01,09:00,,`, // 10
    `Time,text,,,instagram,${day(DST_DAY)},9am,,`, // 11
    `Only date,text,,,instagram,${day(DST_DAY)},,,`, // 12
    'Ambiguous,text,,,x,,,,', // 13
    `No such day,text,,,instagram,${YEAR}-02-30,10:00,,`, // 14
    '"Multi\nline title",fine,,,,,,,', // 15: a valid row between bad ones
    `Several,text,,,myspace,2020-13-01,25:00,,`, // 16: three problems at once
  ];
  const body = Buffer.concat([Buffer.from(rows.join('\n') + '\n'), Buffer.from('Encoding,bad \xff\xfe bytes,,,,,,,\n', 'latin1')]); // 17
  const before = await allPosts();
  const auditBefore = (await sapi(srv.url, who.elira, 'GET', `${P()}/audit?limit=200`)).body.entries.length;
  const dry = await importCsv(who.elira, body, { dry: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.valid, false);
  assert.deepEqual(dry.body.posts, []);
  const got = dry.body.errors.map((e) => [e.row, e.column, e.code]);
  const want = [
    [2, 'date', 'csv.date'],
    [3, 'time', 'csv.time_in_gap'],
    [4, 'channels', 'csv.channel'],
    [5, 'content_type', 'csv.content_type'],
    [6, 'link', 'csv.link'],
    [7, null, 'csv.columns'],
    [8, 'text', 'csv.quote'],
    [9, 'text', 'csv.text'],
    [10, 'date', 'csv.in_past'],
    [11, 'time', 'csv.time'],
    [12, 'time', 'csv.time'],
    [13, 'channels', 'csv.channel'],
    [14, 'date', 'csv.date'],
    [16, 'date', 'csv.date'],
    [16, 'time', 'csv.time'],
    [16, 'channels', 'csv.channel'],
    [17, 'text', 'csv.encoding'],
  ];
  assert.deepEqual(got, want, JSON.stringify(dry.body.errors, null, 1));
  assert.equal(dry.body.errors_total, want.length);
  // Lines follow the file: row 16 starts on line 17 (row 15 has a line break in a cell).
  assert.equal(dry.body.errors.find((e) => e.row === 16).line, 17);
  assert.match(dry.body.errors.find((e) => e.row === 13).message, new RegExp(`2 x channels here; name one by its id \\(${ch.x[0]}, ${ch.x[1]}\\)`));
  assert.match(dry.body.errors.find((e) => e.row === 3).message, /does not exist in Europe\/Tirane/);
  // The same file for real: 400 csv.invalid with the same list, nothing kept.
  const real = await importCsv(who.elira, body);
  assertProblem(real, 400, 'csv.invalid');
  assert.deepEqual(real.body.errors, dry.body.errors);
  assert.equal(real.body.errors_total, want.length);
  assert.match(real.body.detail, /17 problems in the file; nothing was imported/);
  assert.deepEqual(await allPosts(), before);
  assert.equal((await sapi(srv.url, who.elira, 'GET', `${P()}/audit?limit=200`)).body.entries.length, auditBefore, 'no audit entries from a refused import');
});

test('header problems, an empty file, UTF-16, and too many rows', async () => {
  const h = await importCsv(who.elira, 'titel,text,text\nx,y,z\n', { dry: true });
  assert.deepEqual(h.body.errors.map((e) => [e.row, e.column, e.code]), [[1, 'titel', 'csv.columns'], [1, 'text', 'csv.columns']]);
  const noText = await importCsv(who.elira, 'title\nx\n', { dry: true });
  assert.deepEqual(noText.body.errors.map((e) => [e.row, e.column, e.code]), [[1, 'text', 'csv.columns']]);
  const empty = await importCsv(who.elira, '', { dry: true });
  assert.deepEqual(empty.body.errors.map((e) => e.code), ['csv.empty']);
  const onlyHeader = await importCsv(who.elira, '\uFEFFtext\r\n', { dry: true });
  assert.deepEqual(onlyHeader.body.errors.map((e) => [e.row, e.code]), [[2, 'csv.empty']]);
  const utf16 = await importCsv(who.elira, Buffer.from('\ufefftext\nhi\n', 'utf16le'), { dry: true });
  assert.deepEqual(utf16.body.errors.map((e) => e.code), ['csv.encoding']);
  const many = 'text\n' + 'x\n'.repeat(5001);
  const m = await importCsv(who.elira, many, { dry: true });
  assert.equal(m.status, 200);
  assert.deepEqual(m.body.errors.map((e) => [e.row, e.code]), [[5002, 'csv.too_many_rows']]);
  const mr = await importCsv(who.elira, many);
  assertProblem(mr, 400, 'csv.invalid');
  // 5000 is allowed (dry run: checked in full, nothing written).
  const ok = await importCsv(who.elira, 'text\n' + 'x\n'.repeat(5000), { dry: true });
  assert.equal(ok.body.valid, true, JSON.stringify(ok.body.errors.slice(0, 3)));
  assert.equal(ok.body.rows, 5000);
});

test('wrong content type, bad dry_run, roles', async () => {
  assertProblem(await sapi(srv.url, who.elira, 'POST', `${P()}/posts/import`, { text: 'x' }), 415, 'request.content_type');
  assertProblem(await importCsv(who.elira, 'text\nx\n', { path: `${P()}/posts/import?dry_run=maybe` }), 400, 'query.invalid', 'dry_run');
  assertProblem(await importCsv(who.sokol, 'text\nx\n'), 403, 'auth.forbidden');
  // A creative drafts: dated rows stay drafts, with a warning each.
  const file = `text,channels,date,time\nIdea one,instagram,${day(DST_DAY)},10:00\nIdea two,,,\n`;
  const r = await importCsv(who.luan, file);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body.posts.map((p) => p.state), ['draft', 'draft']);
  assert.deepEqual(r.body.warnings.map((w) => [w.row, w.column, w.code]), [[2, 'date', 'csv.not_scheduled']]);
  // A content manager schedules only approved posts: the same.
  const m = await importCsv(who.mira, file, { dry: true });
  assert.deepEqual(m.body.warnings.map((w) => w.code), ['csv.not_scheduled']);
  assert.deepEqual(m.body.posts.map((p) => p.state), ['draft', 'draft']);
  // Scheduling needs a channel: the strategist's row without one is an error.
  const nc = await importCsv(who.arben, `text,date,time\nNo channel,${day(DST_DAY)},10:00\n`, { dry: true });
  assert.deepEqual(nc.body.errors.map((e) => [e.row, e.column, e.code]), [[2, 'channels', 'csv.channel']]);
});

test('export: the import\'s columns, BOM and CRLF, channels by network when unambiguous, formula guard; round trip', async () => {
  const w2 = await sapi(srv.url, who.elira, 'POST', '/api/v1/workspaces', { name: 'CSV Round Trip', timezone: 'Europe/Tirane', language: 'en', currency: 'EUR' });
  const rt = w2.body.workspace.id;
  const ig = (await sapi(srv.url, who.elira, 'POST', `/api/v1/workspaces/${rt}/channels`, { network: 'instagram', name: 'RT Insta' })).body.channel.id;
  const x1 = (await sapi(srv.url, who.elira, 'POST', `/api/v1/workspaces/${rt}/channels`, { network: 'x', name: 'RT X 1' })).body.channel.id;
  const x2 = (await sapi(srv.url, who.elira, 'POST', `/api/v1/workspaces/${rt}/channels`, { network: 'x', name: 'RT X 2' })).body.channel.id;
  const rows = [
    HEADER,
    `"=HYPERLINK(""http://evil"")","@hotel: 'quoted', ""double""\r\nline two",,text,instagram|${x2},${day(DST_DAY)},09:00,a|b,'note`,
    `+plus,-minus,,,${x1},,,,`,
  ];
  const imp = await importCsv(who.elira, rows.join('\r\n') + '\r\n', { path: `/api/v1/workspaces/${rt}/posts/import` });
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  const r = await sapi(srv.url, who.sokol, 'GET', `/api/v1/workspaces/${ws}/posts/export.csv`);
  assert.equal(r.status, 200, 'an analyst may export');
  const e = await sapi(srv.url, who.elira, 'GET', `/api/v1/workspaces/${rt}/posts/export.csv`);
  assert.equal(e.status, 200);
  assert.equal(e.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(e.headers.get('content-disposition'), /^attachment; filename="posts-csv-round-trip.*\.csv"$/);
  // fetch's text() drops a byte-order mark: look at the bytes
  const raw = Buffer.from(await (await fetch(`${srv.url}/api/v1/workspaces/${rt}/posts/export.csv`, { headers: { cookie: who.elira.cookie } })).arrayBuffer());
  assert.deepEqual([...raw.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
  assert.ok(raw.subarray(3).toString('utf8').startsWith(HEADER + '\r\n'));
  assert.ok(e.body.startsWith(HEADER + '\r\n'));
  const cells = parseCsv(e.body);
  assert.deepEqual(cells[0], HEADER.split(','));
  assert.equal(cells.length, 3);
  const [first, second] = [cells[1], cells[2]];
  assert.equal(first[0], '\'=HYPERLINK("http://evil")', 'a formula is guarded');
  assert.equal(first[1], '\'@hotel: \'quoted\', "double"\nline two');
  assert.equal(first[4], `instagram|${x2}`, 'the only instagram by name, one of two x by id');
  assert.deepEqual([first[5], first[6]], [day(DST_DAY), '09:00']);
  assert.equal(first[7], 'a|b');
  assert.equal(first[8], '\'\'note');
  assert.deepEqual(second, ['\'+plus', '\'-minus', '', 'text', String(x1), '', '', '', '']);
  // Importing the export into the same workspace gives the same posts.
  const again = await importCsv(who.elira, raw, { path: `/api/v1/workspaces/${rt}/posts/import?dry_run=1` });
  assert.equal(again.body.valid, true, JSON.stringify(again.body.errors));
  const real = await importCsv(who.elira, raw, { path: `/api/v1/workspaces/${rt}/posts/import` });
  assert.equal(real.status, 201);
  const get = async (id) => (await sapi(srv.url, who.elira, 'GET', `/api/v1/workspaces/${rt}/posts/${id}`)).body.post;
  const pick = (p) => ({ title: p.title, text: p.master_text, link: p.link, type: p.content_type, tags: p.tags, notes: p.notes, at: p.scheduled_at, ch: p.variants.map((v) => v.channel.id).sort() });
  for (let i = 0; i < 2; i++) assert.deepEqual(pick(await get(real.body.posts[i].id)), pick(await get(imp.body.posts[i].id)));
  assert.equal((await get(imp.body.posts[0].id)).title, '=HYPERLINK("http://evil")');
  assert.equal((await get(imp.body.posts[0].id)).notes, '\'note');
  assert.ok(ig > 0);
  assertProblem(await sapi(srv.url, who.elira, 'GET', `/api/v1/workspaces/${rt}/posts/export.csv?state=nope`), 400, 'query.invalid');
  const drafts = await sapi(srv.url, who.elira, 'GET', `/api/v1/workspaces/${rt}/posts/export.csv?state=draft`);
  assert.equal(parseCsv(drafts.body).length, 1 + 2);
});
