// app: kanal's browser UI — boot, sign-in, the shell (navigation, workspace
// switcher, language switch, user menu) and the hash router (#/ws/<id>/<page>).
import { html, render, useState, useEffect, useRef } from '/vendor/htm-preact.js';
import { api, setCsrf, onAuthLost, wsPath } from './api.js';
import { t, loadLanguage, language, LANGUAGES, isLanguage, errorText, roleName } from './i18n.js';
import { Icon, Logo, Avatar, Field, Alert, Spinner, Modal, Toasts, toast, EmptyState } from './ui.js';
import { Dashboard } from './pages/dashboard.js';
import { Placeholder } from './pages/placeholder.js';
import { Team } from './pages/team.js';
import { WorkspaceSettings, Profile } from './pages/settings.js';
import { Audit } from './pages/audit.js';
import { Compose } from './pages/compose.js';
import { Calendar } from './pages/calendar.js';
import { Posts } from './pages/posts.js';
import { Approvals } from './pages/approvals.js';
import { Library } from './pages/library.js';
import { Channels } from './pages/channels.js';
import { FailedQueue } from './pages/publishing.js';

const LANG_KEY = 'kanal.lang';
const WS_KEY = 'kanal.ws';

// The left navigation, in order. perm: what a role needs to see the page (null: every member).
const NAV = [
  { id: 'dashboard', label: 'nav.dashboard', icon: 'dashboard', perm: null },
  { id: 'calendar', label: 'nav.calendar', icon: 'calendar', perm: null },
  { id: 'compose', label: 'nav.compose', icon: 'compose', perm: 'posts.draft' },
  { id: 'inbox', label: 'nav.inbox', icon: 'inbox', perm: 'inbox.read' },
  { id: 'leads', label: 'nav.leads', icon: 'leads', perm: 'inbox.read' },
  { id: 'analytics', label: 'nav.analytics', icon: 'analytics', perm: 'analytics.read' },
  { id: 'campaigns', label: 'nav.campaigns', icon: 'campaigns', perm: 'campaigns.read' },
  { id: 'strategy', label: 'nav.strategy', icon: 'strategy', perm: 'strategy.read' },
  { id: 'library', label: 'nav.library', icon: 'library', perm: 'posts.draft' },
  { id: 'settings', label: 'nav.settings', icon: 'settings', perm: null },
];

// Pages reached from Settings (the nav highlights Settings for them).
const SETTINGS_PAGES = { settings: null, profile: null, team: null, channels: null, audit: 'audit.read' };

// Content pages reached from Calendar (posts/<id> opens a post in Compose).
const CONTENT_PAGES = { posts: null, approvals: null, failed: null };

// undefined: no such page; null: every member; else the permission needed.
function pagePerm(page) {
  const n = NAV.find((x) => x.id === page);
  if (n) return n.perm;
  if (Object.prototype.hasOwnProperty.call(CONTENT_PAGES, page)) return CONTENT_PAGES[page];
  return Object.prototype.hasOwnProperty.call(SETTINGS_PAGES, page) ? SETTINGS_PAGES[page] : undefined;
}

// The navigation item a page belongs to.
function section(route, can) {
  if (Object.prototype.hasOwnProperty.call(SETTINGS_PAGES, route.page)) return 'settings';
  if (route.page === 'posts' && route.sub) return can('posts.draft') ? 'compose' : 'calendar';
  if (Object.prototype.hasOwnProperty.call(CONTENT_PAGES, route.page)) return 'calendar';
  return route.page;
}

// #/ws/<id>/<page>[/<sub>][?query]; n counts address changes, so that a page
// can start afresh when its own link is followed again.
let hashSeq = 0;
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const qi = raw.indexOf('?');
  const parts = (qi >= 0 ? raw.slice(0, qi) : raw).split('/').filter(Boolean);
  let query = {};
  try {
    query = Object.fromEntries(new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : ''));
  } catch (e) {
    /* no query */
  }
  const n = ++hashSeq;
  if (parts[0] === 'ws' && /^\d+$/.test(parts[1] || '')) {
    return { ws: Number(parts[1]), page: parts[2] || 'dashboard', sub: parts[3] || '', query, n };
  }
  return { ws: null, page: parts[0] || '', sub: '', query, n };
}

function navigate(path, replace) {
  const hash = '#' + path;
  if (replace) {
    history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = hash;
}

function initialLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (isLanguage(saved)) return saved;
  return (navigator.language || '').toLowerCase().startsWith('sq') ? 'sq' : 'en';
}

// Close a popup on outside click or Escape.
function useDismiss(ref, open, close) {
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e) => {
      if (ref.current && !ref.current.contains(e.target)) close();
    };
    const onKey = (e) => {
      if (e.key === 'Escape') {
        close();
        const btn = ref.current && ref.current.querySelector('button');
        if (btn) btn.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
}

// Arrow keys move between the items of an open menu.
function menuKeys(e) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
  const items = [...e.currentTarget.querySelectorAll('[role^="menuitem"]')];
  if (!items.length) return;
  e.preventDefault();
  let i = items.indexOf(document.activeElement);
  if (e.key === 'Home') i = 0;
  else if (e.key === 'End') i = items.length - 1;
  else i = (i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
  items[i].focus();
}

function useMenuFocus(ref, open) {
  useEffect(() => {
    if (!open || !ref.current) return;
    const first = ref.current.querySelector('[role^="menuitem"][aria-checked="true"]') || ref.current.querySelector('[role^="menuitem"]');
    if (first) first.focus();
  }, [open]);
}

/* ---------------------------------------------------------------- sign-in */

function LanguageSwitch({ lang, onChange, compact }) {
  return html`<div class=${'seg' + (compact ? ' seg-compact' : '')} role="group" aria-label=${t('shell.language')} data-testid="lang-switch">
    ${LANGUAGES.map((l) => html`<button type="button" class="seg-btn" aria-pressed=${lang === l.code}
        lang=${l.code} data-testid=${'lang-' + l.code} onClick=${() => onChange(l.code)}>
      <span class="seg-long">${l.label}</span><span class="seg-short" aria-hidden="true">${l.code.toUpperCase()}</span>
    </button>`)}
  </div>`;
}

function Login({ onSignedIn, lang, onLanguage }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setError('');
    if (!email.trim() || !password) {
      setError(t('login.missing'));
      return;
    }
    setBusy(true);
    try {
      const r = await api.post('/auth/login', { email: email.trim(), password });
      setCsrf(r.csrf_token);
      const me = await api.get('/me');
      await onSignedIn(me);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return html`<div class="auth" data-testid="login-page">
    <section class="auth-brand" aria-hidden="true">
      <div class="auth-brand-inner">
        <div class="auth-logo"><${Logo} /><span>kanal</span></div>
        <p class="auth-tagline">${t('login.tagline')}</p>
        <ul class="auth-points">
          <li><${Icon} name="calendar" />${t('login.point_plan')}</li>
          <li><${Icon} name="inbox" />${t('login.point_inbox')}</li>
          <li><${Icon} name="analytics" />${t('login.point_measure')}</li>
        </ul>
      </div>
    </section>
    <main class="auth-main">
      <form class="auth-card" onSubmit=${submit} novalidate data-testid="login-form">
        <div class="auth-card-logo"><${Logo} /><span>kanal</span></div>
        <h1>${t('login.title')}</h1>
        <p class="muted">${t('login.subtitle')}</p>
        ${error && html`<${Alert} testid="login-error">${error}<//>`}
        <${Field} label=${t('login.email')} type="email" name="email" autocomplete="username" value=${email}
          onValue=${setEmail} testid="login-email" required autofocus />
        <${Field} label=${t('login.password')} type="password" name="password" autocomplete="current-password"
          value=${password} onValue=${setPassword} testid="login-password" required />
        <button type="submit" class="btn btn-primary btn-block" disabled=${busy} data-testid="login-submit">
          ${busy ? t('login.signing_in') : t('login.submit')}
        </button>
        <div class="auth-lang"><${LanguageSwitch} lang=${lang} onChange=${onLanguage} /></div>
      </form>
    </main>
  </div>`;
}

/* ------------------------------------------------------------------ shell */

function WorkspaceSwitcher({ workspaces, currentId, onPick }) {
  const [open, setOpen] = useState(false);
  const ref = useRef(null);
  useDismiss(ref, open, () => setOpen(false));
  useMenuFocus(ref, open);
  const cur = workspaces.find((w) => w.id === currentId);
  return html`<div class="ws-switcher" ref=${ref}>
    <button type="button" class="ws-button" aria-haspopup="menu" aria-expanded=${open}
        aria-label=${t('shell.switch_workspace') + (cur ? ': ' + cur.name : '')}
        onClick=${() => setOpen(!open)} data-testid="ws-switcher">
      <${Avatar} name=${cur ? cur.name : '?'} seed=${cur ? cur.slug : ''} size="avatar-square" />
      <span class="ws-button-text">
        <span class="ws-label">${t('shell.workspace')}</span>
        <span class="ws-name" data-testid="ws-current">${cur ? cur.name : '…'}</span>
      </span>
      <${Icon} name="chevron" cls="chev" />
    </button>
    ${open && html`<div class="menu ws-menu" role="menu" aria-label=${t('shell.switch_workspace')} onKeyDown=${menuKeys}>
      <p class="menu-title">${t('shell.your_workspaces')}</p>
      ${workspaces.map((w) => html`<button type="button" role="menuitemradio" aria-checked=${w.id === currentId}
          class="menu-item" data-testid=${'ws-option-' + w.id} key=${w.id}
          onClick=${() => { setOpen(false); onPick(w.id); }}>
        <${Avatar} name=${w.name} seed=${w.slug} size="avatar-square avatar-sm" />
        <span class="menu-item-text"><span class="menu-item-name">${w.name}</span><span class="muted small">${roleName(w.role)}</span></span>
        ${w.id === currentId ? html`<${Icon} name="check" cls="menu-check" />` : null}
      </button>`)}
    </div>`}
  </div>`;
}

function UserMenu({ me, base, onPassword, onSignOut }) {
  const [open, setOpen] = useState(false);
  const ref = useRef(null);
  useDismiss(ref, open, () => setOpen(false));
  useMenuFocus(ref, open);
  const u = me.user;
  return html`<div class="user-menu" ref=${ref}>
    <button type="button" class="user-button" aria-haspopup="menu" aria-expanded=${open}
        aria-label=${t('shell.user_menu') + ': ' + u.name} onClick=${() => setOpen(!open)} data-testid="user-menu">
      <${Avatar} name=${u.name} seed=${u.email} />
      <span class="user-name">${u.name}</span>
      <${Icon} name="chevron" cls="chev" />
    </button>
    ${open && html`<div class="menu user-dropdown" role="menu" aria-label=${t('shell.user_menu')} onKeyDown=${menuKeys}>
      <div class="menu-user"><strong>${u.name}</strong><span class="muted small">${u.email}</span></div>
      <a role="menuitem" class="menu-item" href=${base + '/profile'} onClick=${() => setOpen(false)} data-testid="menu-profile">
        <${Icon} name="profile" /><span>${t('shell.profile')}</span></a>
      <button type="button" role="menuitem" class="menu-item" data-testid="menu-password"
          onClick=${() => { setOpen(false); onPassword(); }}><${Icon} name="lock" /><span>${t('shell.change_password')}</span></button>
      <button type="button" role="menuitem" class="menu-item" data-testid="menu-signout"
          onClick=${() => { setOpen(false); onSignOut(); }}><${Icon} name="logout" /><span>${t('shell.sign_out')}</span></button>
    </div>`}
  </div>`;
}

function PasswordDialog({ onClose }) {
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!cur) errs.current_password = t('errors.field.required');
    if (!next) errs.new_password = t('errors.field.required');
    else if (next !== again) errs.again = t('password.mismatch');
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const r = await api.put('/me/password', { current_password: cur, new_password: next });
      if (r && r.csrf_token) setCsrf(r.csrf_token);
      toast(t('password.changed'));
      onClose();
    } catch (err) {
      const f = err.fieldName;
      if (f === 'current_password' && err.code === 'auth.invalid_credentials') setErrors({ current_password: t('password.wrong_current') });
      else setErrors(f === 'current_password' || f === 'new_password' ? { [f]: errorText(err) } : { form: errorText(err) });
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('password.title')} onClose=${onClose} testid="password-dialog">
    <form onSubmit=${submit} novalidate>
      <p class="modal-text">${t('password.intro')}</p>
      ${errors.form && html`<${Alert} testid="password-error">${errors.form}<//>`}
      <${Field} label=${t('password.current')} type="password" autocomplete="current-password" value=${cur}
        onValue=${setCur} error=${errors.current_password} testid="password-current" data-autofocus />
      <${Field} label=${t('password.new')} type="password" autocomplete="new-password" value=${next}
        onValue=${setNext} error=${errors.new_password} hint=${t('password.hint')} testid="password-new" />
      <${Field} label=${t('password.again')} type="password" autocomplete="new-password" value=${again}
        onValue=${setAgain} error=${errors.again} testid="password-again" />
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="password-submit">${t('password.submit')}</button>
      </div>
    </form>
  <//>`;
}

function Sidebar({ base, active, can, open, onClose }) {
  return html`<aside id="sidebar" class=${'sidebar' + (open ? ' open' : '')} data-testid="sidebar"><div class="sidebar-inner">
    <div class="sidebar-head">
      <a class="brand" href=${base + '/dashboard'}><${Logo} /><span>kanal</span></a>
      <button type="button" class="icon-btn sidebar-close" onClick=${onClose} aria-label=${t('shell.close_menu')}><${Icon} name="close" /></button>
    </div>
    <nav aria-label=${t('shell.main_nav')}>
      <ul class="nav" data-testid="nav">
        ${NAV.filter((n) => can(n.perm)).map((n) => html`<li key=${n.id}>
          <a href=${base + '/' + n.id} class=${'nav-link' + (active === n.id ? ' active' : '')}
              aria-current=${active === n.id ? 'page' : undefined} data-testid=${'nav-' + n.id}>
            <${Icon} name=${n.icon} /><span>${t(n.label)}</span>
          </a>
        </li>`)}
      </ul>
    </nav>
    ${can('posts.draft') && html`<p class="sidebar-foot muted small">${t('shell.shortcut_hint')}</p>`}
  </div></aside>`;
}

function Shell({ me, setMe, route, lang, onLanguage, onSignOut }) {
  const workspaces = me.workspaces || [];
  const [info, setInfo] = useState(null);
  const [infoErr, setInfoErr] = useState(null);
  const [tick, setTick] = useState(0);
  const [navOpen, setNavOpen] = useState(false);
  const [pwOpen, setPwOpen] = useState(false);
  const mainRef = useRef(null);
  const firstPage = useRef(true);

  // No workspace in the URL (or an unknown one): go to the last used one.
  useEffect(() => {
    if (!workspaces.length || route.ws != null) return;
    const saved = Number(localStorage.getItem(WS_KEY));
    const ws = workspaces.find((w) => w.id === saved) || workspaces[0];
    navigate(`/ws/${ws.id}/dashboard`, true);
  }, [route.ws, workspaces.length]);

  useEffect(() => {
    if (route.ws == null) return undefined;
    let live = true;
    setInfoErr(null);
    api.get(wsPath(route.ws)).then(
      (r) => {
        if (!live) return;
        setInfo(r);
        localStorage.setItem(WS_KEY, String(route.ws));
      },
      (e) => live && setInfoErr(e),
    );
    return () => { live = false; };
  }, [route.ws, tick]);

  useEffect(() => {
    setNavOpen(false);
    if (firstPage.current) firstPage.current = false;
    else if (mainRef.current) mainRef.current.focus({ preventScroll: true });
  }, [route.ws, route.page]);

  const perms = new Set((info && info.permissions) || []);
  const can = (p) => !p || perms.has(p);
  const base = `#/ws/${route.ws}`;

  // Keyboard: "c" opens Compose.
  useEffect(() => {
    const onKey = (e) => {
      if (e.key !== 'c' || e.ctrlKey || e.metaKey || e.altKey) return;
      const tag = (e.target && e.target.tagName) || '';
      if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (e.target && e.target.isContentEditable)) return;
      if (document.querySelector('.modal') || !can('posts.draft') || route.ws == null) return;
      navigate(`/ws/${route.ws}/compose`);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  const reloadMe = async () => {
    const m = await api.get('/me');
    setCsrf(m.csrf_token);
    setMe(m);
  };

  const switchTo = (id) => navigate(`/ws/${id}/${route.page || 'dashboard'}`);

  let body;
  if (!workspaces.length) {
    body = html`<${EmptyState} icon="team" title=${t('shell.no_workspaces_title')} body=${t('shell.no_workspaces_body')} testid="no-workspaces" />`;
  } else if (infoErr) {
    body = html`<${EmptyState} icon="alert" title=${t('shell.ws_missing_title')} body=${errorText(infoErr)} testid="ws-missing">
      <a class="btn btn-primary" href=${`#/ws/${workspaces[0].id}/dashboard`}>${t('shell.ws_missing_action', { name: workspaces[0].name })}</a>
    <//>`;
  } else if (!info || info.workspace.id !== route.ws) {
    body = html`<${Spinner} />`;
  } else {
    const perm = pagePerm(route.page);
    const ctx = {
      me, ws: info.workspace, role: info.role, can, base, lang,
      tz: info.workspace.timezone,
      reloadWorkspace: async () => { setTick((x) => x + 1); await reloadMe(); },
      reloadMe,
      openPassword: () => setPwOpen(true),
      setLanguage: onLanguage,
      route,
      navigate,
    };
    const key = `${route.ws}/${route.page}`;
    if (perm === undefined) {
      body = html`<${EmptyState} icon="info" title=${t('shell.not_found_title')} body=${t('shell.not_found_body')} testid="page-not-found">
        <a class="btn btn-primary" href=${base + '/dashboard'}>${t('shell.go_dashboard')}</a><//>`;
    } else if (!can(perm)) {
      body = html`<${EmptyState} icon="lock" title=${t('shell.forbidden_title')} body=${t('shell.forbidden_body', { role: roleName(info.role) })} testid="page-forbidden">
        <a class="btn btn-primary" href=${base + '/dashboard'}>${t('shell.go_dashboard')}</a><//>`;
    } else if (route.page === 'dashboard') body = html`<${Dashboard} key=${key} app=${ctx} />`;
    else if (route.page === 'team') body = html`<${Team} key=${key} app=${ctx} />`;
    else if (route.page === 'settings') body = html`<${WorkspaceSettings} key=${key} app=${ctx} />`;
    else if (route.page === 'profile') body = html`<${Profile} key=${key} app=${ctx} />`;
    else if (route.page === 'audit') body = html`<${Audit} key=${key} app=${ctx} />`;
    // Compose starts afresh whenever its address is followed again.
    else if (route.page === 'compose') body = html`<${Compose} key=${key + '/' + route.n} app=${ctx} />`;
    else if (route.page === 'posts' && /^\d+$/.test(route.sub)) body = html`<${Compose} key=${`${key}/${route.sub}/${route.n}`} app=${ctx} postId=${Number(route.sub)} />`;
    else if (route.page === 'posts') body = html`<${Posts} key=${key} app=${ctx} />`;
    else if (route.page === 'approvals') body = html`<${Approvals} key=${key} app=${ctx} />`;
    else if (route.page === 'calendar') body = html`<${Calendar} key=${key} app=${ctx} />`;
    else if (route.page === 'channels') body = html`<${Channels} key=${key} app=${ctx} />`;
    else if (route.page === 'failed') body = html`<${FailedQueue} key=${key + '/' + (route.query.state || '')} app=${ctx} />`;
    else if (route.page === 'library') body = html`<${Library} key=${key} app=${ctx} />`;
    else body = html`<${Placeholder} key=${key} page=${route.page} app=${ctx} />`;
  }

  return html`<div class="shell" data-testid="app-shell" data-role=${info ? info.role : ''}>
    <a class="skip-link" href="#main" onClick=${(e) => { e.preventDefault(); mainRef.current && mainRef.current.focus(); }}>${t('shell.skip')}</a>
    <${Sidebar} base=${base} active=${section(route, can)} can=${info ? can : () => false} open=${navOpen} onClose=${() => setNavOpen(false)} />
    ${navOpen && html`<div class="scrim" onClick=${() => setNavOpen(false)}></div>`}
    <div class="main-col">
      <header class="topbar">
        <button type="button" class="icon-btn nav-toggle" aria-controls="sidebar" aria-expanded=${navOpen}
            aria-label=${t('shell.open_menu')} onClick=${() => setNavOpen(!navOpen)} data-testid="nav-toggle"><${Icon} name="menu" /></button>
        ${workspaces.length ? html`<${WorkspaceSwitcher} workspaces=${workspaces} currentId=${route.ws} onPick=${switchTo} />` : null}
        <div class="topbar-spacer"></div>
        <${LanguageSwitch} lang=${lang} onChange=${onLanguage} compact />
        <${UserMenu} me=${me} base=${base} onPassword=${() => setPwOpen(true)} onSignOut=${onSignOut} />
      </header>
      <main id="main" class="content" tabindex="-1" ref=${mainRef}>${body}</main>
    </div>
    ${pwOpen && html`<${PasswordDialog} onClose=${() => setPwOpen(false)} />`}
  </div>`;
}

/* -------------------------------------------------------------------- app */

function App() {
  const [phase, setPhase] = useState('boot');
  const [me, setMe] = useState(null);
  const [lang, setLang] = useState(language());
  const [route, setRoute] = useState(parseHash);
  const [bootErr, setBootErr] = useState(null);

  const enter = async (m) => {
    setCsrf(m.csrf_token);
    const want = isLanguage(m.user && m.user.language) ? m.user.language : language();
    if (want !== language()) await loadLanguage(want);
    localStorage.setItem(LANG_KEY, want);
    setLang(want);
    setMe(m);
    setPhase('ready');
  };

  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    window.addEventListener('hashchange', onHash);
    onAuthLost(() => {
      setCsrf('');
      setMe(null);
      setPhase('login');
    });
    api.get('/me').then(enter, (e) => {
      if (e.status === 401) setPhase('login');
      else {
        setBootErr(e);
        setPhase('error');
      }
    });
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const changeLanguage = async (code) => {
    if (code === language()) return;
    try {
      await loadLanguage(code);
    } catch (e) {
      toast(errorText(e), 'error');
      return;
    }
    localStorage.setItem(LANG_KEY, code);
    setLang(code);
    if (me) {
      try {
        const r = await api.patch('/me', { language: code });
        setMe((m) => (m ? { ...m, user: { ...m.user, ...(r && r.user) } } : m));
      } catch (e) {
        toast(errorText(e), 'error');
      }
    }
  };

  const signOut = async () => {
    try {
      await api.post('/auth/logout');
    } catch (e) {
      /* the session may already be gone */
    }
    setCsrf('');
    setMe(null);
    setPhase('login');
    toast(t('shell.signed_out'));
  };

  let view;
  if (phase === 'boot') view = html`<div class="boot"><${Spinner} /></div>`;
  else if (phase === 'error') {
    view = html`<div class="boot"><${EmptyState} icon="alert" title=${t('shell.boot_error')} body=${errorText(bootErr)} testid="boot-error">
      <button type="button" class="btn btn-primary" onClick=${() => location.reload()}>${t('common.retry')}</button><//></div>`;
  } else if (phase === 'login') view = html`<${Login} onSignedIn=${enter} lang=${lang} onLanguage=${changeLanguage} />`;
  else view = html`<${Shell} me=${me} setMe=${setMe} route=${route} lang=${lang} onLanguage=${changeLanguage} onSignOut=${signOut} />`;
  return html`${view}<${Toasts} />`;
}

async function main() {
  const root = document.getElementById('app');
  try {
    await loadLanguage(initialLanguage());
  } catch (e) {
    root.textContent = 'kanal: could not load the translations.';
    return;
  }
  root.textContent = '';
  root.className = '';
  render(html`<${App} />`, root);
}

main();
