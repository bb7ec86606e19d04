// The calendar feed (issue 3, editorial calendar): a secret iCalendar URL
// per workspace, read back with a real parser (npm ical.js) — events, 09:00
// Europe/Tirane on both sides of the spring DST change, RFC 5545 escaping of
// a hostile title, folding at 75 octets without splitting UTF-8, rotation,
// permissions, recurring posts, and tenant isolation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { startServer, api } from '../lib/server.mjs';
import { login, sapi, assertProblem } from './_helpers.mjs';

let srv;
const who = {};
const W = '/api/v1/workspaces/1';
const HOSTILE = 'Ofertë: Mëngjes, çaj; \\ darkë\nNatën 🌅 e mirë — Ç’ka ka?';

// Next year's last Sunday of March: the spring change is then ahead.
const YEAR = new Date().getUTCFullYear() + 1;
const DST_DAY = (() => {
  for (let d = 31; d >= 25; d--) if (new Date(Date.UTC(YEAR, 2, d)).getUTCDay() === 0) return d;
  throw new Error('no Sunday');
})();
const day = (d) => `${YEAR}-03-${String(d).padStart(2, '0')}`;

before(async () => {
  srv = await startServer({ demo: true });
  for (const n of ['elira', 'arben', 'mira', 'luan', 'sokol']) who[n] = await login(srv.url, `${n}@studiodrita.al`);
  who.ana = await login(srv.url, 'ana@gurikuq.al');
});
after(async () => { await srv?.stop(); });

async function channels(ws = 1) {
  const r = await sapi(srv.url, who.elira, 'GET', `/api/v1/workspaces/${ws}/channels`);
  return Object.fromEntries(r.body.channels.map((c) => [c.network, c.id]));
}

// A post on the given channels, scheduled by the strategist at local time.
async function scheduled(title, text, local, { ws = 1, recurrence } = {}) {
  const ch = await channels(ws);
  const c = await sapi(srv.url, who.arben, 'POST', `/api/v1/workspaces/${ws}/posts`, {
    // Facebook and Instagram take long texts; kanal refuses to schedule a
    // variant over its network's limit.
    title, master_text: text, channel_ids: [ch.facebook, ch.instagram].filter(Boolean),
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const args = { local, timezone: 'Europe/Tirane' };
  if (recurrence) args.recurrence = recurrence;
  const s = await sapi(srv.url, who.arben, 'POST', `/api/v1/workspaces/${ws}/posts/${c.body.post.id}/schedule`, args);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return s.body.post;
}

async function feedUrl(sess = who.elira, ws = 1) {
  const r = await sapi(srv.url, sess, 'GET', `/api/v1/workspaces/${ws}/calendar/feed`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

// GET the feed (a path from the URL); returns { res, text, cal, events: Map uid -> ICAL.Event }.
async function fetchFeed(url) {
  const path = new URL(url).pathname;
  const res = await fetch(srv.url + path);
  const text = await res.text();
  if (res.status !== 200) return { res, text };
  const cal = new ICAL.Component(ICAL.parse(text));
  const events = new Map(cal.getAllSubcomponents('vevent').map((v) => [v.getFirstPropertyValue('uid'), new ICAL.Event(v)]));
  return { res, text, cal, events };
}

test('the feed URL: made on first use, the same afterwards, for those who may schedule', async () => {
  const first = await feedUrl(who.elira);
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
  assert.equal(first.webcal_url, first.url.replace(/^http:/, 'webcal:'));
  assert.equal(first.created, true);
  const again = await feedUrl(who.arben);
  assert.equal(again.url, first.url);
  assert.equal(again.created, false);
  assert.equal((await feedUrl(who.mira)).url, first.url, 'content managers schedule too');
  for (const n of ['luan', 'sokol', 'ana']) {
    assertProblem(await sapi(srv.url, who[n], 'GET', `${W}/calendar/feed`), 403, 'auth.forbidden', undefined, n);
    assertProblem(await sapi(srv.url, who[n], 'POST', `${W}/calendar/feed/rotate`), 403, 'auth.forbidden', undefined, n);
  }
  const audit = await sapi(srv.url, who.elira, 'GET', `${W}/audit?limit=50`);
  assert.equal(audit.body.entries.filter((x) => x.action === 'calendar.feed_create').length, 1);
  assert.ok(!JSON.stringify(audit.body).includes(first.url.split('/ical/')[1].slice(0, 43)), 'the token is not in the audit log');
});

test('served publicly as text/calendar; parsed by ical.js; 09:00 Europe/Tirane before and after the DST change', async () => {
  const a = await scheduled('Before the change', 'Winter time', `${day(DST_DAY - 1)}T09:00`);
  const b = await scheduled('After the change', 'Summer time', `${day(DST_DAY)}T09:00`);
  const { res, text, cal, events } = await fetchFeed((await feedUrl()).url);
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.equal(cal.getFirstPropertyValue('version'), '2.0');
  assert.match(cal.getFirstPropertyValue('prodid'), /kanal/);
  assert.equal(cal.getFirstPropertyValue('x-wr-timezone'), 'Europe/Tirane');
  const vtz = cal.getFirstSubcomponent('vtimezone');
  assert.equal(vtz.getFirstPropertyValue('tzid'), 'Europe/Tirane');
  const ea = events.get(`post-${a.id}.ws-1@kanal`);
  const eb = events.get(`post-${b.id}.ws-1@kanal`);
  assert.ok(ea && eb, [...events.keys()].join(' '));
  // The zone is the feed's own VTIMEZONE: ical.js converts with its rules.
  assert.equal(ea.startDate.zone.tzid, 'Europe/Tirane');
  assert.equal(ea.startDate.hour, 9);
  assert.equal(eb.startDate.hour, 9);
  assert.equal(ea.startDate.toJSDate().toISOString(), `${day(DST_DAY - 1)}T08:00:00.000Z`);
  assert.equal(eb.startDate.toJSDate().toISOString(), `${day(DST_DAY)}T07:00:00.000Z`);
  assert.equal(ea.startDate.toJSDate().toISOString(), a.scheduled_at);
  assert.equal(eb.duration.toSeconds(), 15 * 60);
  assert.equal(ea.summary, 'Before the change');
  assert.match(eb.description, /^Summer time\n\nChannels: /);
  assert.match(eb.description, /\nState: scheduled\n/);
  const v = eb.component;
  assert.equal(v.getFirstPropertyValue('status'), 'CONFIRMED');
  assert.equal(v.getFirstPropertyValue('url'), `${srv.url}/#/ws/1/posts/${b.id}`);
  assert.equal(v.getFirstPropertyValue('last-modified').toJSDate().getTime(), Math.floor(Date.parse(b.updated_at) / 1000) * 1000);
  assert.ok(v.getFirstPropertyValue('dtstamp'));
  // Drafts are not in the feed; the demo's scheduled posts are.
  const list = await sapi(srv.url, who.elira, 'GET', `${W}/posts?state=draft`);
  for (const p of list.body.posts) assert.ok(!events.has(`post-${p.id}.ws-1@kanal`), `draft ${p.id} in the feed`);
  const sched = await sapi(srv.url, who.elira, 'GET', `${W}/posts?state=scheduled`);
  for (const p of sched.body.posts) assert.ok(events.has(`post-${p.id}.ws-1@kanal`), `scheduled ${p.id} missing`);
});

test('a title with comma, semicolon, backslash, newline, emoji and Albanian letters survives; lines fold at 75 octets', async () => {
  const long = 'Pushime në Theth, Valbonë; ç’ka s’ka 🏔️🌅 '.repeat(12) + '\nRezervo tani!';
  const p = await scheduled(HOSTILE, long, `${YEAR}-05-04T18:30`);
  const { text, events } = await fetchFeed((await feedUrl()).url);
  const ev = events.get(`post-${p.id}.ws-1@kanal`);
  assert.ok(ev);
  assert.equal(ev.summary, HOSTILE);
  assert.ok(ev.description.startsWith(long + '\n\nChannels: '), ev.description.slice(0, 200));
  // The raw lines: CRLF, at most 75 octets, each valid UTF-8 on its own.
  assert.ok(text.endsWith('END:VCALENDAR\r\n'));
  const raw = text.split('\r\n');
  raw.pop();
  const dec = new TextDecoder('utf-8', { fatal: true });
  let folded = 0;
  for (const line of raw) {
    const bytes = Buffer.from(line, 'utf8');
    assert.ok(bytes.length <= 75, `${bytes.length} octets: ${line}`);
    assert.ok(!line.includes('\n') && !line.includes('\r'), 'bare line break');
    dec.decode(bytes); // throws when a fold split a character
    if (line.startsWith(' ')) folded++;
  }
  assert.ok(folded > 10, `${folded} folded lines`);
  // Unfolded, the SUMMARY is escaped as RFC 5545 says.
  const unfolded = text.replace(/\r\n /g, '');
  assert.ok(unfolded.includes('SUMMARY:Ofertë: Mëngjes\\, çaj\\; \\\\ darkë\\nNatën 🌅 e mirë — Ç’ka ka?\r\n'),
    unfolded.split('\r\n').find((l) => l.startsWith('SUMMARY:Ofer')));
  // The whole byte stream is UTF-8 (no fold split a 4-byte emoji).
  dec.decode(Buffer.from(await (await fetch(srv.url + new URL((await feedUrl()).url).pathname)).arrayBuffer()));
});

test('a recurring post: one event per occurrence, at 09:00 local across the change, as GET /calendar shows it', async () => {
  const p = await scheduled('Weekend brunch', 'Every weekend', `${day(DST_DAY - 1)}T09:00`,
    { recurrence: { freq: 'weekly', days: [6, 7], count: 4 } });
  const { events } = await fetchFeed((await feedUrl()).url);
  const mine = [...events.entries()].filter(([uid]) => uid === `post-${p.id}.ws-1@kanal` || uid.startsWith(`post-${p.id}-`));
  assert.equal(mine.length, 4, mine.map(([u]) => u).join(' '));
  const times = mine.map(([, e]) => e.startDate.toJSDate().toISOString()).sort();
  for (const [, e] of mine) assert.equal(e.startDate.hour, 9);
  const from = day(DST_DAY - 1);
  const end = new Date(Date.UTC(YEAR, 2, DST_DAY + 8)).toISOString().slice(0, 10);
  const cal = await sapi(srv.url, who.sokol, 'GET', `${W}/calendar?from=${from}&to=${end}`);
  assert.equal(cal.status, 200, JSON.stringify(cal.body));
  const want = cal.body.posts.filter((x) => x.id === p.id).map((x) => x.scheduled_at).sort();
  assert.deepEqual(times, want);
  assert.equal(times[0], `${day(DST_DAY - 1)}T08:00:00.000Z`);
  assert.equal(times[1], `${day(DST_DAY)}T07:00:00.000Z`);
});

test('unscheduling takes a post out of the feed', async () => {
  const p = await scheduled('Soon gone', 'bye', `${YEAR}-06-01T10:00`);
  const url = (await feedUrl()).url;
  assert.ok((await fetchFeed(url)).events.has(`post-${p.id}.ws-1@kanal`));
  const u = await sapi(srv.url, who.arben, 'POST', `${W}/posts/${p.id}/unschedule`);
  assert.equal(u.status, 200, JSON.stringify(u.body));
  assert.ok(!(await fetchFeed(url)).events.has(`post-${p.id}.ws-1@kanal`));
});

test('rotation: the old URL stops working, the new one serves; unknown tokens are 404 calendar.feed_not_found', async () => {
  const old = (await feedUrl()).url;
  const r = await sapi(srv.url, who.mira, 'POST', `${W}/calendar/feed/rotate`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.created, true);
  assert.notEqual(r.body.url, old);
  assert.equal((await feedUrl()).url, r.body.url, 'GET now answers the new URL');
  const gone = await api(srv.url, 'GET', new URL(old).pathname);
  assertProblem(gone, 404, 'calendar.feed_not_found');
  assert.equal((await fetchFeed(r.body.url)).res.status, 200);
  for (const t of ['A'.repeat(43), 'short', 'x'.repeat(300)]) assertProblem(await api(srv.url, 'GET', `/ical/${t}.ics`), 404, 'calendar.feed_not_found', undefined, t);
  // Not a token shape at all: no route.
  assertProblem(await api(srv.url, 'GET', '/ical/bad%20token.ics'), 404, 'route.not_found');
  const audit = await sapi(srv.url, who.elira, 'GET', `${W}/audit?limit=50`);
  assert.ok(audit.body.entries.some((x) => x.action === 'calendar.feed_rotate' && x.actor?.label === 'Mira Leka'));
});

test('workspaces are apart: each has its own URL and sees only its own posts', async () => {
  const bakery = await scheduled('Bakery only', 'bukë', `${YEAR}-06-02T07:00`, { ws: 2 });
  const hotel = (await feedUrl(who.elira, 1)).url;
  const other = (await feedUrl(who.elira, 2)).url;
  assert.notEqual(hotel, other);
  const f1 = await fetchFeed(hotel);
  const f2 = await fetchFeed(other);
  assert.ok(f2.events.has(`post-${bakery.id}.ws-2@kanal`));
  assert.ok(![...f1.events.keys()].some((u) => u.startsWith(`post-${bakery.id}.`)), 'bakery post in the hotel feed');
  assert.ok(![...f1.events.keys()].some((u) => u.endsWith('.ws-2@kanal')));
  assert.ok(![...f2.events.keys()].some((u) => u.endsWith('.ws-1@kanal')));
  // ws 2's URL cannot be fetched through ws 1's API, nor ws 1 rotated from a ws 2 token.
  assertProblem(await sapi(srv.url, who.ana, 'GET', '/api/v1/workspaces/2/calendar/feed'), 404, 'workspace.not_found');
});
