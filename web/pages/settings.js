// settings: the workspace's own settings (owners edit, others read), the
// signed-in person's profile, and the tabs shared by the Settings pages.
import { html, useState, useMemo, useRef, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, errorText, LANGUAGES, roleName } from '../i18n.js';
import { PageHeader, Card, Field, Alert, Icon, toast } from '../ui.js';

const CURRENCIES = ['ALL', 'EUR', 'USD', 'GBP', 'CHF', 'MKD', 'RSD', 'TRY', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'RON', 'BGN', 'CAD', 'AUD', 'JPY'];

// Tabs over Workspace · Profile · Team · Audit log.
export function SettingsTabs({ app, current }) {
  const tabs = [
    { id: 'settings', label: 'settings.tab_workspace', icon: 'settings' },
    { id: 'profile', label: 'settings.tab_profile', icon: 'profile' },
    { id: 'team', label: 'settings.tab_team', icon: 'team' },
    { id: 'channels', label: 'settings.tab_channels', icon: 'share' },
  ];
  if (app.can('audit.read')) tabs.push({ id: 'audit', label: 'settings.tab_audit', icon: 'audit' });
  const ref = useRef(null);
  useEffect(() => {
    // On a narrow screen the tabs scroll sideways: bring the current one into view.
    const nav = ref.current;
    const cur = nav && nav.querySelector('.tab.active');
    if (cur && cur.offsetLeft + cur.offsetWidth > nav.clientWidth) nav.scrollLeft = cur.offsetLeft - 16;
  }, [current]);
  return html`<nav class="tabs" aria-label=${t('settings.sections')} data-testid="settings-tabs" ref=${ref}>
    ${tabs.map((x) => html`<a key=${x.id} href=${`${app.base}/${x.id}`} class=${'tab' + (x.id === current ? ' active' : '')}
        aria-current=${x.id === current ? 'page' : undefined} data-testid=${'tab-' + x.id}>
      <${Icon} name=${x.icon} /><span>${t(x.label)}</span></a>`)}
  </nav>`;
}

function timeZones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch (e) {
    return ['Europe/Tirane', 'Europe/Rome', 'Europe/London', 'UTC'];
  }
}

// The grace window: how late a post may still go out after downtime or a
// pause (GET/PATCH /publishing, in seconds; shown in minutes).
function GraceCard({ app }) {
  const admin = app.can('workspace.admin');
  const [current, setCurrent] = useState(null);
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.get(wsPath(app.ws.id, '/publishing')).then((s) => {
      setCurrent(s.grace_seconds);
      setValue(String(Math.round(s.grace_seconds / 60)));
    }, (e) => setError(errorText(e)));
  }, [app.ws.id]);
  const submit = async (e) => {
    e.preventDefault();
    const v = value.trim();
    if (!/^\d+$/.test(v) || Number(v) < 1) {
      setError(t('settings.grace_invalid'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const s = await api.patch(wsPath(app.ws.id, '/publishing'), { grace_seconds: Number(v) * 60 });
      setCurrent(s.grace_seconds);
      setValue(String(Math.round(s.grace_seconds / 60)));
      toast(t('settings.grace_saved', { n: Math.round(s.grace_seconds / 60) }));
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  };
  return html`<${Card} title=${t('settings.grace_title')} subtitle=${t('settings.grace_sub')} testid="grace-settings">
    <form class="form-grid" onSubmit=${submit} novalidate data-testid="grace-form">
      <${Field} label=${t('settings.grace_minutes')} value=${value} onValue=${setValue} error=${error} inputmode="numeric"
        readOnly=${!admin} testid="grace-minutes"
        hint=${current === null ? null : t('settings.grace_current', { n: Math.round(current / 60) })} />
      ${admin && html`<div class="form-actions span-all">
        <button type="submit" class="btn btn-primary" disabled=${busy || current === null} data-testid="grace-save">${t('common.save')}</button>
      </div>`}
    </form>
  <//>`;
}

export function WorkspaceSettings({ app }) {
  const admin = app.can('workspace.admin');
  const ws = app.ws;
  const initial = { name: ws.name || '', timezone: ws.timezone || '', language: ws.language || 'en', currency: ws.currency || '' };
  const [f, setF] = useState(initial);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);
  const set = (k) => (v) => setF((o) => ({ ...o, [k]: k === 'currency' ? v.toUpperCase() : v }));

  const submit = async (e) => {
    e.preventDefault();
    const body = {};
    for (const k of Object.keys(initial)) if (f[k].trim() !== initial[k]) body[k] = f[k].trim();
    if (!Object.keys(body).length) {
      toast(t('settings.unchanged'));
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      await api.patch(wsPath(ws.id), body);
      toast(t('settings.saved'));
      await app.reloadWorkspace();
    } catch (err) {
      const fld = err.fieldName;
      setErrors(Object.prototype.hasOwnProperty.call(initial, fld) ? { [fld]: errorText(err) } : { form: errorText(err) });
      setBusy(false);
    }
  };

  const langOptions = LANGUAGES.map((l) => ({ value: l.code, label: l.label }));
  return html`<div class="page" data-testid="page-settings">
    <${PageHeader} title=${t('settings.title')} subtitle=${t('settings.subtitle', { workspace: ws.name })} />
    <${SettingsTabs} app=${app} current="settings" />
    <${Card} title=${t('settings.workspace_title')} subtitle=${t('settings.workspace_sub')} testid="workspace-settings">
      ${!admin && html`<${Alert} kind="info" testid="settings-readonly">${t('settings.readonly', { role: roleName(app.role) })}<//>`}
      <form class="form-grid" onSubmit=${submit} novalidate data-testid="workspace-form">
        ${errors.form && html`<div class="span-all"><${Alert} testid="settings-error">${errors.form}<//></div>`}
        <${Field} label=${t('settings.name')} value=${f.name} onValue=${set('name')} error=${errors.name}
          readOnly=${!admin} testid="ws-name" autocomplete="organization" />
        <${Field} label=${t('settings.timezone')} value=${f.timezone} onValue=${set('timezone')} error=${errors.timezone}
          hint=${t('settings.timezone_hint')} readOnly=${!admin} list="tz-list" testid="ws-timezone" autocomplete="off" spellcheck="false" />
        <${Field} kind="select" label=${t('settings.language')} value=${f.language} onValue=${set('language')}
          options=${langOptions} error=${errors.language} disabled=${!admin} hint=${t('settings.language_hint')} testid="ws-language" />
        <${Field} label=${t('settings.currency')} value=${f.currency} onValue=${set('currency')} error=${errors.currency}
          hint=${t('settings.currency_hint')} readOnly=${!admin} list="currency-list" maxlength="3" testid="ws-currency" autocomplete="off" />
        <datalist id="tz-list">${zones.map((z) => html`<option value=${z} />`)}</datalist>
        <datalist id="currency-list">${CURRENCIES.map((c) => html`<option value=${c} />`)}</datalist>
        ${admin && html`<div class="form-actions span-all">
          <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="ws-save">${t('common.save')}</button>
        </div>`}
      </form>
    <//>
    <${GraceCard} app=${app} />
  </div>`;
}

export function Profile({ app }) {
  const u = app.me.user;
  const [name, setName] = useState(u.name || '');
  const [lang, setLang] = useState(u.language || app.lang);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setErrors({});
    if (!name.trim()) {
      setErrors({ name: t('errors.field.required') });
      return;
    }
    setBusy(true);
    try {
      if (name.trim() !== u.name) await api.patch('/me', { name: name.trim() });
      if (lang !== app.lang) await app.setLanguage(lang);
      await app.reloadMe();
      toast(t('profile.saved'));
    } catch (err) {
      setErrors(err.fieldName === 'name' ? { name: errorText(err) } : { form: errorText(err) });
    }
    setBusy(false);
  };

  return html`<div class="page" data-testid="page-profile">
    <${PageHeader} title=${t('profile.title')} subtitle=${t('profile.subtitle')} />
    <${SettingsTabs} app=${app} current="profile" />
    <${Card} title=${t('profile.details')} testid="profile-card">
      <form class="form-grid" onSubmit=${submit} novalidate data-testid="profile-form">
        ${errors.form && html`<div class="span-all"><${Alert}>${errors.form}<//></div>`}
        <${Field} label=${t('profile.name')} value=${name} onValue=${setName} error=${errors.name} testid="profile-name" autocomplete="name" />
        <${Field} label=${t('profile.email')} value=${u.email} readOnly testid="profile-email" hint=${t('profile.email_hint')} />
        <${Field} kind="select" label=${t('profile.language')} value=${lang} onValue=${setLang}
          options=${LANGUAGES.map((l) => ({ value: l.code, label: l.label }))} testid="profile-language" />
        <div class="form-actions span-all">
          <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="profile-save">${t('common.save')}</button>
        </div>
      </form>
    <//>
    <${Card} title=${t('profile.security')} subtitle=${t('profile.security_sub')} testid="profile-security">
      <button type="button" class="btn btn-secondary" onClick=${app.openPassword} data-testid="profile-password">
        <${Icon} name="lock" />${t('shell.change_password')}</button>
    <//>
  </div>`;
}
