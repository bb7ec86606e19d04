// ui: small shared components — icons, avatars, form fields, dialogs, toasts,
// page headers and empty states.
import { html, useState, useEffect, useRef } from '/vendor/htm-preact.js';
import { t, errorText } from './i18n.js';

/* ---------- icons (24x24 line icons, stroke = currentColor) ---------- */

const PATHS = {
  dashboard: 'M4 13h6V4H4zM14 20h6v-9h-6zM14 4v4h6V4zM4 20h6v-3H4z',
  calendar: 'M4 6h16v14H4zM4 10h16M8 3v5M16 3v5',
  compose: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  inbox: 'M4 13l2.5-8h11l2.5 8v6H4zM4 13h5l1 2h4l1-2h5',
  leads: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM3 20c0-3.3 2.7-6 6-6s6 2.7 6 6M16 4.5a3.5 3.5 0 0 1 0 6.5M18 14.5c1.8.8 3 2.9 3 5.5',
  analytics: 'M4 20V10M10 20V4M16 20v-7M22 20H2',
  campaigns: 'M3 11v3l11 5V6L3 11zM14 8.5c2.5 0 4 1.7 4 4s-1.5 4-4 4M6 15l1.5 5h3L9 16',
  strategy: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM12 12l7-7M16 5h3v3',
  library: 'M4 5h7v14H4zM13 5h7v14h-7zM4 15l2.5-3 2 2 1.5-1.5L11 15M15 9h3M15 12h3',
  settings: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z',
  team: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM3 20c0-3.3 2.7-6 6-6s6 2.7 6 6M17 11a3 3 0 1 0 0-6M21 20c0-2.6-1.5-4.8-3.5-5.6',
  profile: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4.4 3.6-7 8-7s8 2.6 8 7',
  audit: 'M6 3h9l4 4v14H6zM14 3v5h5M9 12h7M9 16h7',
  key: 'M14.5 9.5a4.5 4.5 0 1 1-9 0 4.5 4.5 0 0 1 9 0zM13 12.5l8 8M17.5 17l2-2M15.5 15l1.5-1.5',
  menu: 'M4 6h16M4 12h16M4 18h16',
  close: 'M6 6l12 12M18 6L6 18',
  chevron: 'M6 9l6 6 6-6',
  check: 'M5 12.5l4.5 4.5L19 7',
  globe: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9c-2.5-2.5-3.5-5.5-3.5-9s1-6.5 3.5-9z',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11',
  lock: 'M6 11h12v10H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  plus: 'M12 5v14M5 12h14',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13',
  info: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 11v6M12 7.5v.5',
  alert: 'M12 3l10 18H2zM12 10v5M12 18v.5',
  clock: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3 2',
  spark: 'M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5L18 18M6 18l2.5-2.5M15.5 8.5L18 6',
  eye: 'M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12zM12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
  send: 'M21 3L10 14M21 3l-7 18-4-7-7-4z',
  move: 'M12 3v18M3 12h18M9 6l3-3 3 3M9 18l3 3 3-3M6 9l-3 3 3 3M18 9l3 3-3 3',
  prev: 'M15 6l-6 6 6 6',
  next: 'M9 6l6 6-6 6',
  heart: 'M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z',
  comment: 'M4 5h16v11H9l-5 4z',
  repeat: 'M17 3l3 3-3 3M4 12V9a3 3 0 0 1 3-3h13M7 21l-3-3 3-3M20 12v3a3 3 0 0 1-3 3H4',
  share: 'M4 12v7h16v-7M12 3v12M8 7l4-4 4 4',
  image: 'M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15.5 9.5h.01',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  undo: 'M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3',
  list: 'M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01',
  bookmark: 'M6 3h12v18l-6-4-6 4z',
  queue: 'M4 6h16M4 12h10M4 18h7M17 15v6M14 18h6',
  play: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM10 8.5v7l5.5-3.5z',
  upload: 'M12 16V4M7 9l5-5 5 5M4 15v5h16v-5',
  tag: 'M3 12V4h8l10 10-8 8zM7.5 8h.01',
};

export function Icon({ name, cls = '' }) {
  return html`<svg class=${'icon ' + cls} viewBox="0 0 24 24" aria-hidden="true" focusable="false"
    fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d=${PATHS[name] || ''} /></svg>`;
}

export function Logo() {
  return html`<span class="logo" aria-hidden="true"><svg viewBox="0 0 32 32"><rect width="32" height="32" rx="8" class="logo-bg" /><path d="M9 8v16M9 16l9-8M12.5 13l6.5 11" class="logo-k" /><circle cx="23.5" cy="9.5" r="2.5" class="logo-dot" /></svg></span>`;
}

/* ---------- avatars ---------- */

export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || '?').slice(0, 2);
  return s.toUpperCase();
}

function hue(s) {
  let h = 0;
  for (const ch of String(s || '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h % 8;
}

export function Avatar({ name, seed, size = '' }) {
  return html`<span class=${`avatar avatar-c${hue(seed || name)} ${size}`} aria-hidden="true">${initials(name)}</span>`;
}

/* ---------- form fields ---------- */

let seq = 0;
export function useId(prefix = 'f') {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}-${++seq}`;
  return ref.current;
}

// A labelled control with hint and error text wired through aria-describedby.
// kind: 'input' (default) | 'select' (options: [{value,label}]).
export function Field(props) {
  const { label, hint, error, kind = 'input', options = [], testid, onValue, cls = '', ...rest } = props;
  const id = useId('field');
  const hintId = hint ? id + '-hint' : null;
  const errId = error ? id + '-err' : null;
  const described = [hintId, errId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'aria-describedby': described,
    'aria-invalid': error ? 'true' : undefined,
    'data-testid': testid,
    ...rest,
  };
  const control = kind === 'select'
    ? html`<select ...${common} onChange=${(e) => onValue && onValue(e.currentTarget.value)}>
        ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
      </select>`
    : html`<input ...${common} onInput=${(e) => onValue && onValue(e.currentTarget.value)} />`;
  return html`<div class=${'field ' + cls + (error ? ' has-error' : '')}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${errId} data-testid=${testid ? testid + '-error' : undefined}>${error}</p>`}
  </div>`;
}

export function Alert({ kind = 'error', children, testid }) {
  return html`<div class=${'alert alert-' + kind} role=${kind === 'error' ? 'alert' : 'status'} data-testid=${testid}>
    <${Icon} name=${kind === 'error' ? 'alert' : 'info'} />
    <div>${children}</div>
  </div>`;
}

export function Spinner({ label }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span><span>${label || t('common.loading')}</span></div>`;
}

/* ---------- dialogs ---------- */

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// A modal dialog: focus moves in, Tab stays in, Escape closes, focus returns.
export function Modal({ title, onClose, children, testid, wide }) {
  const ref = useRef(null);
  const titleId = useId('dlg');
  useEffect(() => {
    const prev = document.activeElement;
    const box = ref.current;
    const first = box && (box.querySelector('[data-autofocus]') || box.querySelector(FOCUSABLE));
    if (first) first.focus();
    const onKey = (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      } else if (e.key === 'Tab' && box) {
        const items = [...box.querySelectorAll(FOCUSABLE)];
        if (!items.length) return;
        const a = items[0];
        const z = items[items.length - 1];
        if (e.shiftKey && document.activeElement === a) {
          e.preventDefault();
          z.focus();
        } else if (!e.shiftKey && document.activeElement === z) {
          e.preventDefault();
          a.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (prev && prev.focus) prev.focus();
    };
  }, []);
  return html`<div class="modal-backdrop" onMouseDown=${(e) => e.target === e.currentTarget && onClose()}>
    <div class=${'modal' + (wide ? ' modal-wide' : '')} role="dialog" aria-modal="true" aria-labelledby=${titleId} ref=${ref} data-testid=${testid}>
      <div class="modal-head">
        <h2 id=${titleId}>${title}</h2>
        <button type="button" class="icon-btn" onClick=${onClose} aria-label=${t('common.close')}><${Icon} name="close" /></button>
      </div>
      ${children}
    </div>
  </div>`;
}

// Ask before a destructive action. onConfirm may return a promise; its error is shown.
export function Confirm({ title, message, confirmLabel, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const go = async () => {
    setBusy(true);
    setError('');
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return html`<${Modal} title=${title} onClose=${onClose} testid="confirm-dialog">
    <p class="modal-text">${message}</p>
    ${error && html`<${Alert} testid="confirm-error">${error}<//>`}
    <div class="modal-actions">
      <button type="button" class="btn btn-ghost" onClick=${onClose} data-testid="confirm-cancel" data-autofocus>${t('common.cancel')}</button>
      <button type="button" class="btn btn-danger" onClick=${go} disabled=${busy} data-testid="confirm-ok">${confirmLabel}</button>
    </div>
  <//>`;
}

/* ---------- toasts ---------- */

let toasts = [];
let toastSeq = 0;
const listeners = new Set();

function dropToast(id) {
  toasts = toasts.filter((x) => x.id !== id);
  listeners.forEach((fn) => fn(toasts));
}

// Tell the person what just happened (kind: 'ok' | 'error'); action
// ({label, run}) adds a button, e.g. Undo.
export function toast(text, kind = 'ok', action) {
  const id = ++toastSeq;
  toasts = [...toasts, { id, text, kind, action }].slice(-3);
  listeners.forEach((fn) => fn(toasts));
  setTimeout(() => dropToast(id), kind === 'error' || action ? 8000 : 4500);
}

export function Toasts() {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => listeners.delete(setList);
  }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${list.map((x) => html`<div class=${'toast toast-' + x.kind} key=${x.id} data-testid="toast">
      <${Icon} name=${x.kind === 'error' ? 'alert' : 'check'} /><span>${x.text}</span>
      ${x.action && html`<button type="button" class="toast-action" data-testid="toast-action"
        onClick=${() => { dropToast(x.id); x.action.run(); }}>${x.action.label}</button>`}
    </div>`)}
  </div>`;
}

/* ---------- page furniture ---------- */

export function PageHeader({ title, subtitle, children }) {
  return html`<header class="page-header">
    <div>
      <h1 data-testid="page-title">${title}</h1>
      ${subtitle && html`<p class="page-subtitle">${subtitle}</p>`}
    </div>
    ${children && html`<div class="page-actions">${children}</div>`}
  </header>`;
}

export function EmptyState({ icon, title, body, children, testid }) {
  return html`<div class="empty" data-testid=${testid || 'empty-state'}>
    <div class="empty-art" aria-hidden="true"><${Icon} name=${icon || 'spark'} /></div>
    <h2>${title}</h2>
    <p>${body}</p>
    ${children && html`<div class="empty-actions">${children}</div>`}
  </div>`;
}

export function Card({ title, subtitle, children, testid, cls = '', actions }) {
  return html`<section class=${'card ' + cls} data-testid=${testid}>
    ${(title || actions) && html`<div class="card-head">
      <div>${title && html`<h2>${title}</h2>`}${subtitle && html`<p class="card-sub">${subtitle}</p>`}</div>
      ${actions}
    </div>`}
    ${children}
  </section>`;
}
