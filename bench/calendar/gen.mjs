// bench/calendar/gen.mjs: the SQL for bench/calendar's workspace — eight
// channels (one per network) and POSTS posts spread over the twelve months of
// YEAR at times people pick (08:00-21:45 local, quarter hours), each with one
// to four channel variants, a working title and a master text; a few (0.5%)
// recur weekly or monthly. Deterministic: a fixed-seed PRNG, no clock.
//
// usage: node bench/calendar/gen.mjs WORKSPACE_ID ZONE [POSTS] [YEAR] [SEED] | sqlite3 kanal.db
//        node bench/calendar/gen.mjs --bounds ZONE YYYY-MM
// The second form prints "last=DD from_ms=F to_ms=T": the month's last day
// and the UTC instants of its first local midnight and of the one after it
// (the range kanal's calendar query selects).
// The columns follow sql/sqlite/0002_content.sql; scheduled_at is the UTC
// instant of sched_local in ZONE (as kanal stores it), computed with the ICU
// time zone data of node.
import { prng } from '../../tests/data/gen_corpus.mjs';

if (process.argv[2] === '--bounds') {
  const [, , , z, ym] = process.argv;
  const m = /^(\d{4})-(\d{2})$/.exec(ym || '');
  if (!z || !m || +m[2] < 1 || +m[2] > 12) {
    console.error('usage: node bench/calendar/gen.mjs --bounds ZONE YYYY-MM');
    process.exit(2);
  }
  const y = +m[1], mo = +m[2];
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: z, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const asUtc = (ms) => {
    const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
  };
  const utc = (yy, mm, dd) => {
    const target = Date.UTC(yy, mm - 1, dd);
    let ms = target;
    for (let k = 0; k < 3; k++) ms += target - asUtc(ms);
    return ms;
  };
  console.log(`last=${String(last).padStart(2, '0')} from_ms=${utc(y, mo, 1)} to_ms=${utc(mo === 12 ? y + 1 : y, mo === 12 ? 1 : mo + 1, 1)}`);
  process.exit(0);
}
const [wsArg, zone, postsArg = '10000', yearArg = '2026', seedArg = '20260401'] = process.argv.slice(2);
const ws = Number(wsArg);
const posts = Number(postsArg);
const year = Number(yearArg);
const seed = Number(seedArg);
if (!Number.isInteger(ws) || !zone || !Number.isInteger(posts) || posts < 1 || !Number.isInteger(year) || !Number.isInteger(seed)) {
  console.error('usage: node bench/calendar/gen.mjs WORKSPACE_ID ZONE [POSTS] [YEAR] [SEED]');
  process.exit(2);
}
const r = prng(seed);
const q = (s) => (s === null ? 'NULL' : typeof s === 'number' ? String(s) : `'${String(s).replace(/'/g, "''")}'`);

// Wall time in zone of a UTC instant, and the UTC instant of a wall time.
const fmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});
function wall(ms) {
  const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { local: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`, asUtc: Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) };
}
function toUtc(y, mo, d, h, mi) {
  const target = Date.UTC(y, mo - 1, d, h, mi);
  let ms = target;
  for (let k = 0; k < 3; k++) ms += target - wall(ms).asUtc; // converges outside DST gaps (never 08:00-22:00)
  return ms;
}

const NETWORKS = ['x', 'mastodon', 'bluesky', 'threads', 'instagram', 'linkedin', 'facebook', 'tiktok'];
const created = Date.UTC(year - 1, 11, 1);
const out = ['BEGIN;'];
const chIds = [];
out.push('INSERT INTO channels (workspace_id, network, name, handle, limits_json, slots_json, timezone, created_at, updated_at) VALUES');
out.push(
  NETWORKS.map(
    (n) => `(${ws}, ${q(n)}, ${q(`Bench Studio (${n})`)}, ${q('@bench_' + n)}, '{}', '[{"day":1,"time":"09:00"},{"day":3,"time":"18:30"}]', ${q(zone)}, ${created}, ${created})`,
  ).join(',\n') + ';',
);
// channel ids: those just inserted, looked up by name in the variant inserts
for (const n of NETWORKS) chIds.push(`(SELECT id FROM channels WHERE workspace_id = ${ws} AND network = ${q(n)})`);

const WORDS = ['Mirëmëngjes', 'Tirana', 'Durrës', 'Vlorë', 'çaj', 'gëzuar', 'launch', 'spring', 'sale', 'menu', 'today', 'team', 'new', 'hotel',
  'beach', 'coffee', 'weekend', 'offer', 'book', 'now', 'faleminderit', 'përshëndetje', 'event', 'live', 'music', 'summer', 'winter', 'tour'];
const EMOJI = ['😀', '🎉', '✨', '🔥', '👍🏽', '🇦🇱', '☀️', '🍕', '📅', '❤️'];
const TAGS = ['#Tiranë', '#Shqipëri', '#AlbanianRiviera', '#kanal', '#weekend', '#foodie', '#travel', '#news'];
const STATES = ['scheduled', 'scheduled', 'scheduled', 'scheduled', 'published', 'published', 'published', 'approved', 'in_review', 'draft'];
const TYPES = ['text', 'text', 'text', 'text', 'link', 'link', 'image', 'carousel', 'thread', 'video'];
function sentence(n) {
  const w = [];
  for (let i = 0; i < n; i++) w.push(r.chance(0.08) ? r.pick(EMOJI) : r.pick(WORDS));
  return w.join(' ');
}
const MONTH_DAYS = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAYS = MONTH_DAYS.reduce((a, b) => a + b, 0);

const rows = [];
const variants = [];
for (let i = 0; i < posts; i++) {
  let doy = r.int(DAYS);
  let mo = 0;
  while (doy >= MONTH_DAYS[mo]) doy -= MONTH_DAYS[mo++];
  const h = 8 + r.int(14);
  const mi = 15 * r.int(4);
  const at = toUtc(year, mo + 1, doy + 1, h, mi);
  const local = wall(at).local;
  const title = `${r.pick(['Launch', 'Teaser', 'Weekly tip', 'Behind the scenes', 'Offer', 'Event', 'Recap', 'Quote'])} ${i + 1}`;
  let text = sentence(8 + r.int(40));
  if (r.chance(0.5)) text += ' ' + r.pick(TAGS) + (r.chance(0.5) ? ' ' + r.pick(TAGS) : '');
  const type = r.pick(TYPES);
  const link = type === 'link' || r.chance(0.1) ? `https://example.al/${r.pick(WORDS).toLowerCase()}/${i}` : null;
  if (link) text += ' ' + link;
  let rec = null;
  if (r.chance(0.005))
    rec = r.chance(0.5)
      ? JSON.stringify({ freq: 'weekly', days: [1 + r.int(7)], count: 4 + r.int(40) })
      : JSON.stringify({ freq: 'monthly', until: `${year}-12-31` });
  const state = rec ? 'scheduled' : r.pick(STATES);
  const made = at - (1 + r.int(30)) * 86400000;
  rows.push(`(${ws}, ${q(state)}, ${q(title)}, ${q(text)}, ${q(link)}, ${q(type)}, ${at}, ${q(local)}, ${q(zone)}, ${q(rec)}, ${made}, ${made})`);
  const nv = 1 + r.int(4);
  const picked = new Set();
  while (picked.size < nv) picked.add(r.int(NETWORKS.length));
  for (const c of [...picked].sort((a, b) => a - b)) variants.push([i, c, made]);
}
// Posts get ids in insertion order after those already there.
out.push(`CREATE TEMP TABLE bench_base AS SELECT coalesce(max(id), 0) AS base FROM posts;`);
for (let k = 0; k < rows.length; k += 500) {
  out.push('INSERT INTO posts (workspace_id, state, title, master_text, link, content_type, scheduled_at, sched_local, sched_zone, recurrence_json, created_at, updated_at) VALUES');
  out.push(rows.slice(k, k + 500).join(',\n') + ';');
}
out.push(`CREATE TEMP TABLE bench_ch AS SELECT network, id FROM channels WHERE workspace_id = ${ws};`);
for (let k = 0; k < variants.length; k += 500) {
  out.push('INSERT INTO variants (workspace_id, post_id, channel_id, created_at, updated_at) VALUES');
  out.push(
    variants
      .slice(k, k + 500)
      .map(([i, c, made]) => `(${ws}, (SELECT base FROM bench_base) + ${i + 1}, (SELECT id FROM bench_ch WHERE network = ${q(NETWORKS[c])}), ${made}, ${made})`)
      .join(',\n') + ';',
  );
}
out.push('COMMIT;', 'ANALYZE;');
process.stdout.write(out.join('\n') + '\n');
