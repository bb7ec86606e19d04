// i18n: the translation catalogs (web/i18n/<lang>.json, flat keys by screen),
// server error codes to sentences, and dates/numbers through Intl.

export const LANGUAGES = [
  { code: 'en', label: 'English', locale: 'en-GB' },
  { code: 'sq', label: 'Shqip', locale: 'sq-AL' },
];

const catalogs = {};
let current = 'en';

export function isLanguage(code) {
  return LANGUAGES.some((l) => l.code === code);
}

export function language() {
  return current;
}

export function locale() {
  const l = LANGUAGES.find((x) => x.code === current);
  return l ? l.locale : 'en-GB';
}

async function fetchCatalog(code) {
  if (!catalogs[code]) {
    const res = await fetch(`/i18n/${code}.json`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`catalog ${code}: HTTP ${res.status}`);
    catalogs[code] = await res.json();
  }
  return catalogs[code];
}

// Load a language (and English as the fallback) and make it current.
export async function loadLanguage(code) {
  if (!isLanguage(code)) code = 'en';
  await Promise.all([fetchCatalog('en'), fetchCatalog(code)]);
  current = code;
  document.documentElement.lang = code;
}

export function has(key) {
  const c = catalogs[current];
  return !!(c && Object.prototype.hasOwnProperty.call(c, key));
}

// Translate key; {name} placeholders are filled from params.
export function t(key, params) {
  const c = catalogs[current] || {};
  let s = Object.prototype.hasOwnProperty.call(c, key) ? c[key] : (catalogs.en && catalogs.en[key]) || key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

// A sentence for an ApiError (or any Error): errors.<code>, else the server's detail.
export function errorText(err) {
  if (!err) return '';
  const code = err.code || '';
  if (code && has('errors.' + code)) return t('errors.' + code, { seconds: err.retryAfter || '60' });
  if (err.status >= 500) return t('errors.server');
  if (err.detail) return err.detail;
  return err.message || t('errors.unknown');
}

export function roleName(role) {
  return has('roles.' + role) ? t('roles.' + role) : role;
}

export function permName(perm) {
  return has('perms.' + perm) ? t('perms.' + perm) : perm;
}

// Does this browser's Intl know the current locale? (Chromium's trimmed ICU
// has no Albanian: it would silently answer in English.)
const nativeCache = {};
function native(kind) {
  const key = kind + ':' + current;
  if (!(key in nativeCache)) {
    try {
      nativeCache[key] = Intl[kind].supportedLocalesOf([locale()]).length > 0;
    } catch (e) {
      nativeCache[key] = false;
    }
  }
  return nativeCache[key];
}

// The wall-clock fields of date in timeZone (numbers; weekday 0 = Sunday).
function fields(date, timeZone) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short',
  });
  const o = {};
  for (const p of f.formatToParts(date)) o[p.type] = p.value;
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(o.weekday);
  return { y: o.year, m: Number(o.month), d: Number(o.day), hh: o.hour, mm: o.minute, wd };
}

const pick = (key, i) => t(key).split(',')[i] || '';

function ownDate(date, timeZone, withTime) {
  const x = fields(date, timeZone);
  const s = `${x.d} ${pick('date.months_short', x.m - 1)} ${x.y}`;
  return withTime ? `${s}, ${x.hh}:${x.mm}` : s;
}

export function fmtDateTime(iso, timeZone) {
  if (!iso) return '—';
  try {
    if (!native('DateTimeFormat')) return ownDate(new Date(iso), timeZone, true);
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  } catch (e) {
    return String(iso);
  }
}

export function fmtDate(iso, timeZone) {
  if (!iso) return '—';
  try {
    if (!native('DateTimeFormat')) return ownDate(new Date(iso), timeZone, false);
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone }).format(new Date(iso));
  } catch (e) {
    return String(iso);
  }
}

// "Sunday 14:05" in timeZone.
export function fmtTime(date, timeZone) {
  try {
    if (!native('DateTimeFormat')) {
      const x = fields(date, timeZone);
      return `${pick('date.weekdays', x.wd)} ${x.hh}:${x.mm}`;
    }
    return new Intl.DateTimeFormat(locale(), { weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(date);
  } catch (e) {
    return '';
  }
}

export function fmtNumber(n) {
  if (!native('NumberFormat')) {
    // Albanian writes 1 234,5 — the same shape as French.
    return new Intl.NumberFormat(current === 'sq' ? 'fr-FR' : 'en-GB').format(n);
  }
  return new Intl.NumberFormat(locale()).format(n);
}

// "Euro", or '' when the browser cannot name it in this language.
export function currencyName(code) {
  try {
    if (!native('DisplayNames')) return '';
    return new Intl.DisplayNames([locale()], { type: 'currency' }).of(code) || '';
  } catch (e) {
    return '';
  }
}

// Plural: tn('team.count', 3) uses team.count_one / team.count_other by the language's rules.
export function tn(key, n, params) {
  let cat = 'other';
  try {
    cat = new Intl.PluralRules(locale()).select(n);
  } catch (e) {
    /* keep "other" */
  }
  const k = has(`${key}_${cat}`) ? `${key}_${cat}` : `${key}_other`;
  return t(k, { n: fmtNumber(n), ...(params || {}) });
}
