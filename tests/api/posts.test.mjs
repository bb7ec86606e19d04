// Content studio over HTTP: channels, posts with a variant per channel, the
// approval workflow by role, DST-correct scheduling, the calendar, queue
// slots, and the bad-input cases (issue 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { login, sapi, cliToken, tapi } from './_helpers.mjs';

let srv;
const who = {};
let ch = {};
before(async () => {
  srv = await startServer({ demo: true });
  for (const n of ['elira', 'arben', 'mira', 'luan', 'sokol', 'dritan']) who[n] = await login(srv.url, `${n}@studiodrita.al`);
  who.ana = await login(srv.url, 'ana@gurikuq.al');
});
after(async () => { await srv?.stop(); });

const W = '/api/v1/workspaces/1';

test('channels: create per network with limits and slots; strategists may, creatives may not', async () => {
  for (const [net, name] of [['x', 'X test'], ['mastodon', 'Mastodon test'], ['bluesky', 'Bluesky test']]) {
    const r = await sapi(srv.url, who.arben, 'POST', `${W}/channels`, {
      network: net, name, handle: '@hotel',
      limits: net === 'mastodon' ? { max_chars: 1000 } : {},
      slots: [{ day: 1, time: '09:00' }, { day: 3, time: '18:30' }],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.channel.network, net);
    assert.equal(r.body.channel.timezone, 'Europe/Tirane');
    assert.deepEqual(r.body.channel.slots, [{ day: 1, time: '09:00' }, { day: 3, time: '18:30' }]);
    ch[net] = r.body.channel.id;
  }
  const no = await sapi(srv.url, who.luan, 'POST', `${W}/channels`, { network: 'x', name: 'nope' });
  assert.equal(no.status, 403);
  assert.equal(no.body.code, 'auth.forbidden');
  const bad = await sapi(srv.url, who.elira, 'POST', `${W}/channels`, { network: 'myspace', name: 'x' });
  assert.equal(bad.body.code, 'channel.network');
  const slot = await sapi(srv.url, who.elira, 'POST', `${W}/channels`, { network: 'x', name: 'x', slots: [{ day: 8, time: '09:00' }] });
  assert.equal(slot.body.code, 'channel.slots');
  assert.equal(slot.body.field, '$.slots[0]');
  const lim = await sapi(srv.url, who.elira, 'POST', `${W}/channels`, { network: 'x', name: 'x', limits: { max_chars: -1 } });
  assert.equal(lim.body.code, 'channel.limits');
  const list = await sapi(srv.url, who.sokol, 'GET', `${W}/channels`);
  assert.equal(list.status, 200);
  assert.ok(list.body.channels.some((c) => c.id === ch.x));
});

let postId;
test('a creative drafts a post for three networks; each gets a variant', async () => {
  const r = await sapi(srv.url, who.luan, 'POST', `${W}/posts`, {
    title: 'Sunrise', master_text: 'Mëngjes me pamje nga deti 🌅 #GuriIKuq',
    content_type: 'image', tags: ['summer'], channel_ids: [ch.x, ch.mastodon, ch.bluesky],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const p = r.body.post;
  postId = p.id;
  assert.equal(p.state, 'draft');
  assert.equal(p.variants.length, 3);
  assert.deepEqual(p.variants.map((v) => v.channel.network).sort(), ['bluesky', 'mastodon', 'x']);
  assert.ok(p.variants.every((v) => v.text === null && v.effective_text === p.master_text));
  assert.equal(p.created_by, who.luan.user.id);
});

test('the creative may not submit; the content manager submits; the client approver requests changes with a comment', async () => {
  const no = await sapi(srv.url, who.luan, 'POST', `${W}/posts/${postId}/submit`);
  assert.equal(no.status, 403);
  const sub = await sapi(srv.url, who.mira, 'POST', `${W}/posts/${postId}/submit`, { comment: 'Ready for Ana' });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  assert.equal(sub.body.post.state, 'in_review');
  const again = await sapi(srv.url, who.mira, 'POST', `${W}/posts/${postId}/submit`);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'post.transition');
  const noComment = await sapi(srv.url, who.ana, 'POST', `${W}/posts/${postId}/request-changes`, {});
  assert.equal(noComment.body.code, 'field.required');
  const rc = await sapi(srv.url, who.ana, 'POST', `${W}/posts/${postId}/request-changes`, { comment: 'Add the price, please' });
  assert.equal(rc.status, 200);
  assert.equal(rc.body.post.state, 'draft');
  const kinds = rc.body.post.comments.map((c) => [c.kind, c.author, c.body]);
  assert.deepEqual(kinds, [['submit', 'Mira Leka', 'Ready for Ana'], ['request_changes', 'Ana Marku', 'Add the price, please']]);
});

test('an override on one variant; resubmit; the client approves; the strategist schedules at 09:00 local across DST', async () => {
  const p0 = (await sapi(srv.url, who.mira, 'GET', `${W}/posts/${postId}`)).body.post;
  const xv = p0.variants.find((v) => v.channel.network === 'x');
  const ov = await sapi(srv.url, who.mira, 'PATCH', `${W}/posts/${postId}/variants/${xv.id}`, { text: 'Sunrise over the sea 🌅 from €89' });
  assert.equal(ov.status, 200, JSON.stringify(ov.body));
  const xv2 = ov.body.post.variants.find((v) => v.id === xv.id);
  assert.equal(xv2.text, 'Sunrise over the sea 🌅 from €89');
  assert.equal(xv2.effective_text, 'Sunrise over the sea 🌅 from €89');
  assert.equal((await sapi(srv.url, who.mira, 'POST', `${W}/posts/${postId}/submit`)).body.post.state, 'in_review');
  const ap = await sapi(srv.url, who.ana, 'POST', `${W}/posts/${postId}/approve`);
  assert.equal(ap.status, 200);
  assert.equal(ap.body.post.state, 'approved');
  // Winter: Europe/Tirane is UTC+1.
  const s1 = await sapi(srv.url, who.arben, 'POST', `${W}/posts/${postId}/schedule`, { local: '2027-03-27T09:00', timezone: 'Europe/Tirane' });
  assert.equal(s1.status, 200, JSON.stringify(s1.body));
  assert.equal(s1.body.post.state, 'scheduled');
  assert.equal(s1.body.post.scheduled_at, '2027-03-27T08:00:00.000Z');
  assert.deepEqual(s1.body.post.schedule, { local: '2027-03-27T09:00', timezone: 'Europe/Tirane' });
  // Summer, the day after the change: 09:00 local is now 07:00Z.
  await sapi(srv.url, who.arben, 'POST', `${W}/posts/${postId}/unschedule`);
  const s2 = await sapi(srv.url, who.arben, 'POST', `${W}/posts/${postId}/schedule`, { local: '2027-03-28T09:00' });
  assert.equal(s2.body.post.scheduled_at, '2027-03-28T07:00:00.000Z');
  // The calendar shows it on its local date, at 09:00.
  const cal = await sapi(srv.url, who.sokol, 'GET', `${W}/calendar?from=2027-03-28&to=2027-03-28`);
  assert.equal(cal.status, 200);
  const item = cal.body.posts.find((x) => x.id === postId);
  assert.ok(item, JSON.stringify(cal.body));
  assert.equal(item.local, '2027-03-28T09:00');
  assert.deepEqual(item.channels.map((c) => c.network).sort(), ['bluesky', 'mastodon', 'x']);
  const before = await sapi(srv.url, who.sokol, 'GET', `${W}/calendar?from=2027-03-27&to=2027-03-27`);
  assert.ok(!before.body.posts.some((x) => x.id === postId));
});

test('times in a DST gap are refused; an overlap takes the first instant', async () => {
  const p = (await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'gap', channel_ids: [ch.x] })).body.post;
  const gap = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-03-28T02:30', timezone: 'Europe/Tirane' });
  assert.equal(gap.status, 400);
  assert.equal(gap.body.code, 'schedule.time_in_gap');
  // 2027-10-31 02:30 happens twice in Tirana; the first is 00:30Z.
  const ov = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-10-31T02:30', timezone: 'Europe/Tirane' });
  assert.equal(ov.status, 200, JSON.stringify(ov.body));
  assert.equal(ov.body.post.scheduled_at, '2027-10-31T00:30:00.000Z');
  const past = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/unschedule`);
  assert.equal(past.body.post.state, 'approved');
  const old = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { scheduled_at: '2020-01-01T00:00:00Z' });
  assert.equal(old.body.code, 'schedule.in_past');
  const badzone = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-06-01T09:00', timezone: 'Mars/Olympus' });
  assert.equal(badzone.body.code, 'schedule.timezone');
});

test('editing a scheduled post sends it back to draft; published-state posts are locked', async () => {
  const e = await sapi(srv.url, who.mira, 'PATCH', `${W}/posts/${postId}`, { master_text: 'Mëngjes me pamje nga deti 🌅 nga €89 #GuriIKuq' });
  assert.equal(e.status, 200, JSON.stringify(e.body));
  assert.equal(e.body.post.state, 'draft');
  assert.equal(e.body.post.scheduled_at, null);
  const audit = await sapi(srv.url, who.elira, 'GET', `${W}/audit?limit=20`);
  const actions = audit.body.entries.map((x) => x.action);
  for (const a of ['post.update', 'post.schedule', 'post.unschedule', 'post.approve', 'post.request_changes', 'post.submit', 'variant.update', 'post.create'])
    assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(',')}`);
});

test('queue: the next free slot of a channel, and scheduling into it', async () => {
  const s = await sapi(srv.url, who.mira, 'GET', `${W}/channels/${ch.x}/next-slot`);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.match(s.body.local, /T(09:00|18:30)$/);
  const p = (await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'queued', channel_ids: [ch.x] })).body.post;
  const q = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { queue_channel_id: ch.x });
  assert.equal(q.status, 200, JSON.stringify(q.body));
  assert.equal(q.body.post.scheduled_at, s.body.at);
  const s2 = await sapi(srv.url, who.mira, 'GET', `${W}/channels/${ch.x}/next-slot`);
  assert.notEqual(s2.body.at, s.body.at, 'the taken slot is skipped');
});

test('bad input: too many variants, unknown channel, foreign channel, bad link, huge text, bad range', async () => {
  const many = await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'x', channel_ids: Array.from({ length: 10000 }, (_, i) => i + 1) });
  assert.equal(many.status, 400);
  assert.equal(many.body.code, 'post.too_many_variants');
  const unknown = await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'x', channel_ids: [999999] });
  assert.equal(unknown.body.code, 'post.channel');
  assert.equal(unknown.body.field, '$.channel_ids[0]');
  const other = await sapi(srv.url, who.elira, 'POST', '/api/v1/workspaces/2/channels', { network: 'x', name: 'bakery x' });
  const foreign = await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'x', channel_ids: [other.body.channel.id] });
  assert.equal(foreign.body.code, 'post.channel');
  const link = await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'x', link: 'javascript:alert(1)' });
  assert.equal(link.body.code, 'post.link');
  const huge = await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'a'.repeat(10 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  const range = await sapi(srv.url, who.elira, 'GET', `${W}/calendar?from=2027-01-01&to=2026-01-01`);
  assert.equal(range.body.code, 'calendar.range');
  const nul = await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { master_text: 'a\u0000b' });
  assert.equal(nul.status, 400);
  // A foreign workspace's post is not found, even by id.
  const p = (await sapi(srv.url, who.elira, 'POST', '/api/v1/workspaces/2/posts', { master_text: 'bakery' })).body.post;
  const cross = await sapi(srv.url, who.elira, 'GET', `${W}/posts/${p.id}`);
  assert.equal(cross.status, 404);
  assert.equal(cross.body.code, 'post.not_found');
});

test('recurring posts: weekly on chosen days keeps 09:00 local across DST; monthly skips short months; an end is required', async () => {
  const p = (await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { title: 'Weekly special', master_text: 'Menu e javës', channel_ids: [ch.x] })).body.post;
  const noEnd = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-03-22T09:00', recurrence: { freq: 'weekly', days: [1, 4] } });
  assert.equal(noEnd.status, 400);
  assert.equal(noEnd.body.code, 'schedule.recurrence');
  const badDays = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-03-22T09:00', recurrence: { freq: 'weekly', days: [0], count: 2 } });
  assert.equal(badDays.body.field, '$.recurrence.days');
  const ok = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-03-22T09:00', recurrence: { freq: 'weekly', days: [1, 4], count: 4 } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.post.recurrence, { count: 4, days: [1, 4], freq: 'weekly' });
  const cal = await sapi(srv.url, who.sokol, 'GET', `${W}/calendar?from=2027-03-20&to=2027-04-10`);
  const mine = cal.body.posts.filter((x) => x.id === p.id);
  assert.deepEqual(mine.map((x) => [x.local, x.scheduled_at, x.occurrence]), [
    ['2027-03-22T09:00', '2027-03-22T08:00:00.000Z', 0],
    ['2027-03-25T09:00', '2027-03-25T08:00:00.000Z', 1],
    ['2027-03-29T09:00', '2027-03-29T07:00:00.000Z', 2],
    ['2027-04-01T09:00', '2027-04-01T07:00:00.000Z', 3],
  ]);
  // A range that starts after the first occurrence still shows the later ones.
  const later = await sapi(srv.url, who.sokol, 'GET', `${W}/calendar?from=2027-03-28&to=2027-04-30`);
  assert.deepEqual(later.body.posts.filter((x) => x.id === p.id).map((x) => x.occurrence), [2, 3]);

  const m = (await sapi(srv.url, who.elira, 'POST', `${W}/posts`, { title: 'Month end', master_text: 'Fund muaji', channel_ids: [ch.x] })).body.post;
  const mo = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${m.id}/schedule`, { local: '2027-01-31T18:00', recurrence: { freq: 'monthly', until: '2027-05-31' } });
  assert.equal(mo.status, 200, JSON.stringify(mo.body));
  const months = [];
  for (const [f, t] of [['2027-01-01', '2027-02-28'], ['2027-03-01', '2027-04-30'], ['2027-05-01', '2027-06-30']]) {
    const c = await sapi(srv.url, who.sokol, 'GET', `${W}/calendar?from=${f}&to=${t}`);
    months.push(...c.body.posts.filter((x) => x.id === m.id).map((x) => x.local));
  }
  assert.deepEqual(months, ['2027-01-31T18:00', '2027-03-31T18:00', '2027-05-31T18:00']);
});

test('a master too long for Bluesky: the problem with its range, a suggested thread, applied with one action', async () => {
  const words = Array.from({ length: 70 }, (_, i) => `fjala${i}`).join(' ') + '. ' + 'Mirëmëngjes nga deti! '.repeat(3);
  const p = (await sapi(srv.url, who.mira, 'POST', `${W}/posts`, { master_text: words, channel_ids: [ch.bluesky, ch.mastodon] })).body.post;
  const bs = p.variants.find((v) => v.channel.network === 'bluesky');
  const ma = p.variants.find((v) => v.channel.network === 'mastodon');
  assert.ok(bs.count.length > 300, JSON.stringify(bs.count));
  assert.equal(bs.count.limit, 300);
  assert.equal(bs.count.valid, false);
  assert.equal(bs.problems[0].code, 'text.too_long');
  assert.equal(bs.problems[0].value, bs.count.length);
  assert.equal(bs.problems[0].end, words.length);
  assert.ok(bs.problems[0].start > 250 && bs.problems[0].start <= 300, JSON.stringify(bs.problems[0]));
  assert.equal(ma.problems.length, 0, 'Mastodon allows 1,000 here');
  assert.equal(ma.suggestion, null);
  const parts = bs.suggestion.thread;
  assert.ok(Array.isArray(parts) && parts.length === 3, JSON.stringify(bs.suggestion));
  parts.forEach((t, i) => assert.ok(t.endsWith(` ${i + 1}/3`), t));
  assert.deepEqual(bs.suggestion.notes, [{ code: 'adapt.thread', count: 3 }]);
  // nothing lost: the parts hold every word, in order
  assert.equal(parts.map((t) => t.replace(/ \d\/3$/, '')).join(' ').replace(/\s+/g, ' '), words.trim().replace(/\s+/g, ' '));
  // Scheduling is refused while a variant has problems.
  const sch = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-06-01T09:00' });
  assert.equal(sch.status, 409);
  assert.equal(sch.body.code, 'post.invalid_variants');
  const fixed = await sapi(srv.url, who.mira, 'PATCH', `${W}/posts/${p.id}/variants/${bs.id}`, { adapt: true });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  const bs2 = fixed.body.post.variants.find((v) => v.id === bs.id);
  assert.deepEqual(bs2.thread, bs.suggestion.thread);
  assert.equal(bs2.problems.length, 0);
  assert.ok(bs2.thread_counts.every((c) => c.valid && c.length <= 300));
  const again = await sapi(srv.url, who.mira, 'PATCH', `${W}/posts/${p.id}/variants/${ma.id}`, { adapt: true });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'variant.nothing_to_adapt');
  const sch2 = await sapi(srv.url, who.elira, 'POST', `${W}/posts/${p.id}/schedule`, { local: '2027-06-01T09:00' });
  assert.equal(sch2.status, 200, JSON.stringify(sch2.body));
});
