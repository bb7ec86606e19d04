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
  if (err.detail) return err.detail;
  if (err.status >= 500) return t('errors.server');
  return err.message || t('errors.unknown');
}

export function roleName(role) {
  return has('roles.' + role) ? t('roles.' + role) : role;
}

export function permName(perm) {
  return has('perms.' + perm) ? t('perms.' + perm) : perm;
}

export function fmtDateTime(iso, timeZone) {
  if (!iso) return '—';
  try {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  } catch (e) {
    return String(iso);
  }
}

export function fmtDate(iso, timeZone) {
  if (!iso) return '—';
  try {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone }).format(new Date(iso));
  } catch (e) {
    return String(iso);
  }
}

export function fmtTime(date, timeZone) {
  try {
    return new Intl.DateTimeFormat(locale(), { weekday: 'long', hour: '2-digit', minute: '2-digit', timeZone }).format(date);
  } catch (e) {
    return '';
  }
}

export function fmtNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

export function currencyName(code) {
  try {
    return new Intl.DisplayNames([locale()], { type: 'currency' }).of(code) || code;
  } catch (e) {
    return code;
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
