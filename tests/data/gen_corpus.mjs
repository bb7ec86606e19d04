// Write tests/data/corpus.ndjson: the texts the conformance tests count with
// kanal and with the networks' reference libraries (one {"text": "..."} per
// line). Deterministic: a fixed-seed PRNG, no network, no clock; run it again
// and the file comes out the same. `node tests/data/gen_corpus.mjs [--check]`
// (--check: exit 1 when the committed file differs from what this writes).
//
// The corpus = hand-picked cases (every difference ever found is added to
// CASES) + generated texts that mix words in many scripts, emoji sequences,
// URLs in every shape, mentions, hashtags, cashtags, whitespace, combining
// marks and texts around the networks' length limits.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// mulberry32: small, fast, and the same everywhere.
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (arr) => arr[int(arr.length)];
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

const cp = (...cps) => String.fromCodePoint(...cps);

// ---- Hand-picked cases ------------------------------------------------------

export const CASES = [
  '',
  ' ',
  '\n',
  'a',
  'Hello, world!',
  'Mirëmëngjes nga Tirana!',
  'Mirëmëngjes nga Tirana! #Tiranë #Shqipëri @bashkia_tirane',
  'Çfarë bëni sot? Ëndrrat e çdo dite. çÇëË',
  'Mire\u0308me\u0308ngjes nga Tirana! (decomposed ë)',
  'cafe\u0301 vs café',
  'e\u0301\u0301\u0301 a\u0300\u0301\u0302\u0303 ḁ̈',
  '한국어 텍스트 각 (jamo)',
  '\u1100\u1161\u11A8 \uAC01',
  '日本語のテキストです。東京タワー🗼',
  '中文文本，你好世界！',
  'مرحبا بالعالم #مرحبا @user https://example.com/عربي',
  'שלום עולם #שלום',
  'Привет, мир! #привет https://пример.рф/путь',
  'Γειά σου κόσμε #ελλάδα ΕΛ.ελ',
  'नमस्ते दुनिया #भारत https://भारत.भारत',
  'สวัสดีชาวโลก #ไทย',
  // Emoji
  '😀', '👍🏽', '👨‍👩‍👧‍👦', '👩‍❤️‍💋‍👨', '👨🏿‍💻', '🏳️‍🌈', '🏴‍☠️', '🇦🇱🇽🇰', '🇦🇦', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🏴󠁧󠁢󠁷󠁬󠁳󠁿',
  '1️⃣2️⃣#️⃣*️⃣', '1⃣', '☀️☀︎☀', '©️®️™️©®™', '♟️♟', '🧑‍🤝‍🧑', '🫠🥲🫶', '👁‍🗨', '🏋️‍♀️', '🏋🏽‍♂️', '⛹️‍♀️', '🤼‍♀️',
  '\uFE0F', '\uFE0F\uFE0F', 'a\uFE0Fb', '\u200D', '👨\u200D', '👨\u200D\u200D👩', '🏽', '🏽🏽',
  // Invalid characters
  'abc\uFEFFdef', '\uFFFE', '\uFFFF x', 'ok\uFEFF', '\uFEFF',
  // URLs
  'https://example.com', 'http://example.com/', 'HTTPS://EXAMPLE.COM/PATH', 'example.com', 'www.example.com',
  'example.com.', 'example.com, example.org; example.net!', '(example.com)', '(https://example.com/a_(b))',
  'https://en.wikipedia.org/wiki/Primer_(film)', 'http://x.com/a(b(c)d)e', 'http://x.com/a((b))', 'http://x.com/()',
  'x.com:8080', 'x.com:8080/a', 'http://x.com:8080?x=1', 'x.com?q=1', 'x.com/?q=1&r=2#frag', 'x.com#frag',
  'https://t.co/abc123', 'https://t.co/abc/def', 'http://t.co/abc?x=1&y=2', 't.co/abc', 'https://t.co/' + 'a'.repeat(41),
  'https://t.co/' + 'a'.repeat(40), 'https://t.co', 'https://T.CO/ABC',
  'éxample.com', '😀example.com', 'example.com日本.jp/path', 'foo_bar.com', 'a-b.com', '-a.com', '_a.com', '/a.com',
  '.a.com', 'a.b_c.com', 'sub_domain.example.com', 'www.ＧＯＯＧＬＥ.com', 'https://www.ＧＯＯＧＬＥ.com',
  'xn--80ak6aa92e.com', 'http://xn--80ak6aa92e.com', 'xn--p1ai', 'example.xn--p1ai', 'https://пример.рф', 'пример.рф',
  'https://例え.テスト', 'https://münchen.de/straße', 'münchen.de', 'example.嘉里大酒店', 'example.嘉里', 'a.vermögensberatung',
  'EXAMPLE.COM', 'example.Com', 'example.invalidtld', 'example.comm', 'example.co', 'example.co.uk', 'a.b.c.d.e.co.uk',
  'user@example.com', 'mailto:user@example.com', 'http://user:pass@example.com/', 'https://example.com/@user/',
  'https://example.com/@user', 'https://example.com/a@b', 'example.com/foo.', 'example.com/foo!', 'example.com/foo?',
  'example.com/foo?bar.', 'example.com/foo?bar=1.', 'example.com/foo–bar', 'example.com/ünïcödé', 'example.com/путь',
  '"example.com"', "'example.com'", '<example.com>', '[example.com]', '{example.com}', 'example.com...', 'example.com:',
  'http://example.com:', 'http://example.com:/', 'http://localhost', 'http://localhost:3000', 'http://127.0.0.1',
  'http://[::1]/', 'ftp://example.com', 'file:///etc/passwd', 'https://a.b', 'a.b.c', 'a..com', 'a.-b.com', 'a-.com',
  'https://' + 'a'.repeat(63) + '.com', 'https://' + 'a'.repeat(64) + '.com', 'https://example.com/' + 'p'.repeat(4070),
  'https://example.com/' + 'p'.repeat(4080), 'example.com/' + 'p'.repeat(4070), 'https://' + 'é'.repeat(56) + '.com',
  'https://' + 'é'.repeat(60) + '.com', 'http://ä。com', 'http://a。b.com', 'http://a．b.com', 'http://a｡b.com',
  'go to example.com now', 'go to example.com.now', 'example.com/path/to/page.html?x=1&y=2#section-3',
  'https://example.com/?', 'https://example.com/?q', 'https://example.com/?q=', 'https://example.com/?q=(a)',
  'https://example.com/#!/route', 'https://example.com/~user/', 'https://example.com/a,b,c', 'https://example.com/$x',
  'https://example.com/%20', 'https://example.com/[a]', 'https://example.com/a|b', 'https://example.com/a;b=c',
  'http://example.com/\u202Eevil', '\u202Aexample.com', '\u200Eexample.com', 'x\u200Fexample.com',
  'http://ex"ample.com', 'http://ex`ample.com', 'http://ex\u0007ample.com',
  // Mentions
  '@alice', '@alice hi', 'hi @alice', 'hi@alice', 'hi @alice@mastodon.social', '@alice.bsky.social', '@al.ice',
  '@abcdefghijklmnopqrstuvwxyz', '@_', '@1', '@a/list', '@a/list-name_2', '@a/1list', '@a/' + 'b'.repeat(30),
  'RT @alice: hi', 'RT:@alice', 'rt@alice', '.RT@alice', 'xRT@alice', ' RT@alice', '＠alice', '@@alice',
  '@alice@', '@aliceé', '@alice://', '@alice:/', 'email a@b.c', '!@alice', '#@alice', '$@alice', '%@alice',
  '&@alice', '*@alice', '+@alice', '~@alice', '.@alice', '-@alice', '(@alice)', '"@alice"', '😀@alice',
  // Hashtags
  '#tag', '#tag1', '#123', '#1a', '#a1', '#_', '#_a', '#ab_cd', '#Tiranë', '＃fullwidth', '#ÇÇ', '#привет', '#مرحبا',
  '#日本語', '#한국어', '#ไทย', '#हिन्दी', '#a#b', '#a #b', '#a,#b', '&#tag', 'a#tag', '#tag://x', '#tag#', '#tag＃',
  '#️⃣', '#\u20E3', '#\uFE0Ftag', '\uFE0F#tag', '\uFE0E#tag', '😀#tag', '#😀', '#a😀', '#𝐀𝐁𝐂', '#𐐀', '#a\u200Cb',
  '#a\u200Db', '#a·b', '#a・b', '#ゝ', '#ー', '#Ιησούς', '#ΙΗΣΟΥΣ', '#ᲒᲔ', '#ⱥ', '#ɐ',
  // Cashtags
  '$AAPL', '$aapl', '$AAPL.', '$AAPL,', '$BRK.A', '$BRK.AB', '$BRK.ABC', '$A_B', '$ABCDEF', '$ABCDEFG', '$1', '$A1',
  '$AB.C1', 'x $AAPL', 'x$AAPL', '$A$B', '$A $B', '$A\u3000$B', '$A\u00A0x', '$A\u2028', '$A\uFEFF', '$A:', '$A@',
  // Found while building kanal's X counter (each once differed or nearly did).
  // The path's ending pattern is spliced in without parentheses: "/a.(b)." ends after "a".
  'ë́ ftp://ʈmy_site.sub.ελ.http://пример.online/a@b.(HTTP://1x.cdn.москва).',
  'http://x.online/a.(b).', 'http://x.online/a(b)', 'http://x.online/(b).', 'http://x.online/a.(b)c', 'http://x.online/a(b)(c)d.',
  'http://x.online/a.(b).(c)', 'http://x.online/(a)(b)(c)', 'http://x.online/a(b(c))!', 'http://x.online/@a/', 'http://x.online/@a.',
  // Compositions newer than Unicode 15 (Tulu-Tigalari, Gurung Khema, Kirat Rai, Todhri).
  cp(0x113c2, 0x113c2), cp(0x113c2, 0x113c9), cp(0x11382, 0x113c9), cp(0x1611e, 0x1611e), cp(0x1611e, 0x1611e, 0x1611f),
  cp(0x16d67, 0x16d67), cp(0x16d63, 0x16d67, 0x16d67), cp(0x105d2, 0x307), 'x ' + cp(0x16d63, 0x16d67) + ' example.com',
  // NFC that lengthens the text (U+0958 → U+0915 U+093C) ahead of a URL and past the limit.
  '\u0958'.repeat(10) + ' example.com', '\u0958'.repeat(150),
  // Long runs that a naive matcher would walk again and again.
  'a.'.repeat(400), 'é'.repeat(300) + '.com', 'http://a.com/' + '(b)'.repeat(200), '#' + '1'.repeat(300), '#1'.repeat(200),
  'a_.'.repeat(200), 'xn--' + 'a.'.repeat(300), 'é.a'.repeat(200), 'a.com'.repeat(100), ' a.com/'.repeat(60),
  'x.co.uk.'.repeat(60), 'https://' + 'a.'.repeat(2100) + 'com', 'www.' + 'x'.repeat(70) + '.com',
  // Whitespace
  'a\tb\nc\r\nd', '  leading and trailing  ', 'non\u00A0breaking', 'ideographic\u3000space', 'line\u2028sep',
  'zero\u200Bwidth', 'thin\u2009space', 'em\u2003space',
];

// ---- Fragments ------------------------------------------------------------------

const WORDS = {
  latin: ['hello', 'world', 'social', 'media', 'post', 'schedule', 'today', 'launch', 'news', 'team', 'Kanal', 'OK'],
  albanian: ['Mirëmëngjes', 'Tirana', 'Shqipëri', 'faleminderit', 'përshëndetje', 'çaj', 'ëndërr', 'Durrës', 'Vlorë', 'gëzuar', 'çelës'],
  cjk: ['日本語', '東京', '你好', '世界', '中文', '漢字', 'テスト', 'ひらがな', 'カタカナ', '한국어', '서울'],
  arabic: ['مرحبا', 'العالم', 'شكرا', 'كتاب', 'سلام'],
  hebrew: ['שלום', 'עולם', 'תודה', 'ספר'],
  cyrillic: ['Привет', 'мир', 'спасибо', 'Москва', 'ё'],
  greek: ['Γειά', 'κόσμε', 'ευχαριστώ', 'Αθήνα'],
  indic: ['नमस्ते', 'भारत', 'ধন্যবাদ', 'தமிழ்', 'ಕನ್ನಡ'],
  thai: ['สวัสดี', 'ขอบคุณ'],
  combining: ['e\u0301', 'a\u0308', 'n\u0303', 'c\u0327', 'o\u0302\u0323', 'ë\u0301', 'Z\u0351\u036B\u0343', '\u0915\u093C'],
};
const ALL_WORDS = Object.values(WORDS).flat();

const EMOJI = [
  '😀', '😂', '🥰', '👍', '👍🏻', '👍🏿', '👋🏽', '🙏🏾', '💪🏼', '❤️', '❤', '♥️', '✨', '🔥', '🎉', '✅', '❌', '⭐', '🌍',
  '👨‍👩‍👧‍👦', '👨‍👩‍👧', '👩‍👩‍👦', '👨‍❤️‍👨', '👩‍❤️‍💋‍👩', '👩🏽‍🔬', '👨🏻‍🚀', '👩‍⚕️', '👨‍⚖️', '🧑‍💻', '🧑🏽‍🤝‍🧑🏻',
  '🏃‍♀️', '🏃🏾‍♂️', '🤷‍♂️', '🤷🏼‍♀️', '🙆‍♀️', '💁‍♂️', '🏌️‍♀️', '🕵️‍♂️', '🧞‍♀️', '🧟‍♂️', '👯‍♀️', '🤼‍♂️',
  '🇦🇱', '🇽🇰', '🇺🇸', '🇯🇵', '🇪🇺', '🇺🇳', '🇦🇦', '🇿🇿', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', '🏳️‍🌈', '🏳️‍⚧️', '🏴‍☠️',
  '0️⃣', '5️⃣', '#️⃣', '*️⃣', '🔟', '©️', '®️', '™️', '〰️', '〽️', '☀️', '☁️', '☎️', '✈️', '⚠️', '♻️', '⬆️', '↔️', '▶️',
  '☀\uFE0E', '✈\uFE0E', '☝🏻', '✌️', '✌🏽', '🖐️', '🖐🏿', '🕴️', '🏋️', '⛹🏽', '🫠', '🫶🏽', '🥹', '🪿', '🧌', '🛝',
  '👁️‍🗨️', '❤️‍🔥', '❤️‍🩹', '😮‍💨', '😶‍🌫️', '🐻‍❄️', '🐈‍⬛', '\uE50A', '🀄', '🃏', '🅰️', '🈁', '🈚', '🉐',
];

const GTLDS = ['com', 'org', 'net', 'info', 'social', 'app', 'dev', 'io', 'al', 'xyz', 'online', 'shop', 'london', 'vermögensberatung', 'みんな', 'москва', '삼성', 'онлайн', 'COM', 'Org'];
const CCTLDS = ['al', 'uk', 'de', 'fr', 'jp', 'co', 'tv', 'me', 'rs', 'рф', 'ελ', '中国', '香港', 'ລາວ', 'भारत', 'مصر', 'xk', 'AL'];
const BAD_TLDS = ['invalid', 'comm', 'c', 'local', 'test', 'example', 'localhost', 'zz', 'xn', 'k8s', 'com1'];
const LABELS = ['example', 'kanal', 'www', 'news', 'a', 'b-c', 'my_site', 'sub', 'xn--80ak6aa92e', 'xn--bcher-kva', 'bücher', 'пример', '例え', 'münchen', 'tiranë', 'x1', '1x', '0', 'a--b', 'api', 'cdn'];
const PATHS = ['/', '/a', '/path/to/page', '/page.html', '/a_(b)', '/wiki/Primer_(film)', '/a(b(c))', '/~user', '/@alice', '/@alice/', '/a@b', '/путь', '/ünï', '/a-b_c+d=e', '/a%20b', '/a,b', '/a;b', '/$1', '/[x]', '/a|b', '/a!', '/a.', '/a?', '/#', '/#!/x', '/a–b', '/a—b', '/a:b', "/a'b", '/a*b'];
const QUERIES = ['?q=1', '?q=a&b=2', '?q=(x)', '?q=a.', '?q=a!', '?', '?q', '?a=1#frag', '?utm_source=x&utm_medium=y', '?q=@a', '?q=a,b', "?q='x'", '?q=ü', '?q=a;b', '?q=$'];
const FRAGS = ['#top', '#section-2', '#!', '#a.b', '#'];
const PORTS = [':80', ':8080', ':443', ':', ':x', ':0'];
const SCHEMES = ['https://', 'http://', 'HTTP://', 'Https://', '', '', '', 'ftp://', 'https:/', 'https//'];
const WRAPS = [['', ''], ['(', ')'], ['"', '"'], ['<', '>'], ['[', ']'], ['', '.'], ['', ','], ['', '!'], ['', '?'], ['', ':'], ['', ')'], ['', '...'], ['¡', '!'], ['«', '»'], ['“', '”'], ['(', ').']];
const HANDLES = ['alice', 'bob_smith', 'Kanal_App', 'a', 'x1', '_under', 'abcdefghijklmnopqrstu', 'alice.bsky.social', 'bob.example.com', 'user', 'Ñandú', 'ëlla', 'Tiranë'];
const DOMAINS = ['mastodon.social', 'example.com', 'bsky.social', 'fosstodon.org', 'x.al', 'instance.invalid'];
const TAGS = ['tag', 'Tiranë', 'Shqipëri', 'kanal2026', '2026', '123', 'a1', '_', 'snake_case', 'привет', 'مرحبا', 'שלום', '日本語', '한국어', 'ελλάδα', 'हिन्दी', 'ไทย', 'çaj', 'ë', 'a\u0301', 'ab·cd', '𝐁𝐨𝐥𝐝', '𐐀𐐁', 'x😀', 'a-b', 'a.b', 'naïve'];
const CASHTAGS = ['AAPL', 'aapl', 'BRK.A', 'BRK.AB', 'BRK.ABC', 'A_B', 'ABCDEF', 'ABCDEFG', 'A1', '1', 'TSLA', 'x'];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\n', '\n\n', '\t', '\r\n', '\u00A0', '\u3000', '\u2009', '\u200B', '\u2028', '\u202F', ''];
const PUNCT = ['.', ',', '!', '?', ':', ';', '-', '—', '–', '…', '(', ')', '"', "'", '“', '”', '«', '»', '/', '_', '&', '*', '+', '~', '@', '#', '$', '%', '^', '|', '=', '、', '。', '！', '？', '،', '؟'];
// Code points from ranges where the classes differ or case folding plays a part.
const ODD_RANGES = [
  [0x00c0, 0x024f], [0x0250, 0x02af], [0x0300, 0x036f], [0x0370, 0x03ff], [0x0400, 0x04ff], [0x0590, 0x05ff], [0x0600, 0x06ff],
  [0x0900, 0x097f], [0x0e00, 0x0e7f], [0x10a0, 0x10ff], [0x1100, 0x11ff], [0x1c80, 0x1c8f], [0x1c90, 0x1cbf], [0x1e00, 0x1eff],
  [0x1f00, 0x1fff], [0x2000, 0x206f], [0x2070, 0x20cf], [0x2100, 0x214f], [0x2190, 0x21ff], [0x2c60, 0x2c7f], [0x3000, 0x303f],
  [0x3040, 0x30ff], [0x4e00, 0x4e40], [0xa640, 0xa69f], [0xa720, 0xa7ff], [0xac00, 0xac40], [0xfe00, 0xfe0f], [0xfe70, 0xfeff],
  [0xff00, 0xffef], [0x10400, 0x1044f], [0x1d400, 0x1d4ff], [0x1f1e6, 0x1f1ff], [0x1f300, 0x1faff], [0xe0020, 0xe007f],
];

function oddChar(r) {
  const [a, b] = r.pick(ODD_RANGES);
  let c = a + r.int(b - a + 1);
  if (c >= 0xd800 && c <= 0xdfff) c = 0x41;
  if (c === 0xfffe || c === 0xffff) c = 0x42;
  return cp(c);
}

function url(r) {
  const scheme = r.pick(SCHEMES);
  const labels = [];
  const nl = r.chance(0.5) ? 1 : 1 + r.int(3);
  for (let i = 0; i < nl; i++) labels.push(r.chance(0.08) ? oddChar(r) + r.pick(LABELS) : r.pick(LABELS));
  const tld = r.chance(0.45) ? r.pick(GTLDS) : r.chance(0.7) ? r.pick(CCTLDS) : r.pick(BAD_TLDS);
  let u = scheme + labels.join('.') + '.' + tld;
  if (r.chance(0.1)) u += r.pick(PORTS);
  if (r.chance(0.5)) u += r.pick(PATHS) + (r.chance(0.3) ? r.pick(PATHS).slice(1) : '');
  if (r.chance(0.25)) u += r.pick(QUERIES);
  if (r.chance(0.1)) u += r.pick(FRAGS);
  if (r.chance(0.05)) u = 'https://t.co/' + 'abcXYZ019'.slice(r.int(5)) + (r.chance(0.3) ? r.pick(PATHS) : '') + (r.chance(0.3) ? r.pick(QUERIES) : '');
  if (r.chance(0.05)) u = 'user' + (r.chance(0.5) ? '.name' : '') + '@' + u.replace(/^[a-zA-Z]+:\/\//, '');
  const [o, c] = r.pick(WRAPS);
  return o + u + c;
}

function mention(r) {
  const h = r.pick(HANDLES);
  const forms = [
    () => '@' + h,
    () => '@' + h + '@' + r.pick(DOMAINS),
    () => '＠' + h,
    () => 'RT @' + h + ':',
    () => r.pick(['RT:', 'rt', 'x', '.', '-', '+', '']) + '@' + h,
    () => '@' + h + '/' + r.pick(['list', 'my-list', 'l_2', '9x']),
    () => r.pick(ALL_WORDS) + '@' + h,
    () => '@' + h + r.pick(['@', 'é', '://', ':', '!', '.', '']),
  ];
  return r.pick(forms)();
}

function hashtag(r) {
  const t = r.pick(TAGS);
  const forms = [
    () => '#' + t,
    () => '＃' + t,
    () => '#' + t + '#' + r.pick(TAGS),
    () => r.pick(['&', 'a', '😀', '\uFE0F', '\uFE0E', '.', '']) + '#' + t,
    () => '#' + t + r.pick(['://x', '#', '＃', '!', '.', '😀', '']),
    () => '#' + r.pick(['\uFE0F', '\u20E3', '\uFE0F\u20E3']) + t,
  ];
  return r.pick(forms)();
}

function cashtag(r) {
  return r.pick(['', '', ' ', '\u3000', 'x']) + '$' + r.pick(CASHTAGS) + r.pick(['', '', '.', ',', '!', ':', '@', '$', 'x', '\u2028', '\uFEFF']);
}

function piece(r) {
  const k = r.int(100);
  if (k < 30) return r.pick(ALL_WORDS);
  if (k < 42) return r.pick(EMOJI);
  if (k < 57) return url(r);
  if (k < 64) return mention(r);
  if (k < 72) return hashtag(r);
  if (k < 76) return cashtag(r);
  if (k < 84) return r.pick(PUNCT);
  if (k < 92) return oddChar(r) + (r.chance(0.5) ? oddChar(r) : '');
  if (k < 94) return r.pick(['\uFEFF', '\uFFFE', '\u202E', '\u200E', '\u200D', '\u2066', '\u061C']);
  return r.pick(WORDS.combining);
}

// A text of n pieces, glued by whitespace most of the time.
function text(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += piece(r);
    if (i < n - 1) s += r.chance(0.8) ? r.pick(SPACES) : '';
  }
  return s;
}

// A text whose X weight is about `target` (ASCII 1, CJK and emoji 2, URLs 23).
function aroundLimit(r, target) {
  const units = [
    ['a', 1], ['b', 1], [' ', 1], ['ë', 1], ['日', 2], ['😀', 2], ['👨‍👩‍👧', 2], ['https://example.com/x', 23], ['example.org', 23], ['€', 2], ['’', 1],
  ];
  let s = '';
  let w = 0;
  const mix = units.slice(0, 2 + r.int(units.length - 1));
  while (w < target) {
    const [u, uw] = r.pick(mix);
    if (w + uw > target + 1) continue;
    s += (uw === 23 && s && !s.endsWith(' ') ? ' ' : '') + u + (uw === 23 ? ' ' : '');
    w += uw + (uw === 23 ? 1 : 0);
  }
  return s;
}

export function generate(seed = 20260101, count = 6000) {
  const r = prng(seed);
  const out = [...CASES];
  // Around the limits: X 280, Bluesky 300, Mastodon and Threads 500.
  for (const target of [279, 280, 281, 282, 299, 300, 301, 499, 500, 501]) {
    for (let k = 0; k < 12; k++) out.push(aroundLimit(r, target + r.int(3) - 1));
  }
  for (const n of [280, 281, 300, 301, 500, 501]) {
    out.push('a'.repeat(n), 'ë'.repeat(n), '日'.repeat(Math.ceil(n / 2)), '😀'.repeat(Math.ceil(n / 2)), 'e\u0301'.repeat(n));
  }
  while (out.length < count) {
    const k = r.int(100);
    const n = k < 50 ? 1 + r.int(4) : k < 90 ? 4 + r.int(12) : 20 + r.int(60);
    out.push(text(r, n));
  }
  return out;
}

export function serialize(texts) {
  return texts.map((text) => JSON.stringify({ text })).join('\n') + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = resolve(here, 'corpus.ndjson');
  const body = serialize(generate());
  if (process.argv.includes('--check')) {
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {}
    if (old !== body) {
      console.error(`${path} is out of date: run node tests/data/gen_corpus.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(path, body);
    console.log(`${path}: ${body.split('\n').length - 1} texts, ${Buffer.byteLength(body)} bytes`);
  }
}
