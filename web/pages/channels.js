// channels: the workspace's channels (one account on one network each) with
// their connection, limits and posting slots; those who manage channels add
// one and connect or reconnect its account. Secrets are write-only: the API
// never returns them and the forms start empty.
import { html, useState, useEffect, useMemo } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, errorText, fmtDateTime } from '../i18n.js';
import { PageHeader, Card, Field, Alert, Spinner, Icon, Modal, EmptyState, toast } from '../ui.js';
import { NetBadge, networkName, weekdayShort } from './content.js';
import { SettingsTabs } from './settings.js';

const NETWORKS = ['bluesky', 'mastodon', 'x', 'threads', 'instagram', 'facebook', 'linkedin', 'webhook', 'manual'];
// Networks whose account the UI can connect with a form (the others need OAuth).
const FORM_CONNECT = ['bluesky', 'webhook'];

function timeZones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch (e) {
    return ['Europe/Tirane', 'Europe/Rome', 'Europe/London', 'UTC'];
  }
}

function slotText(slots) {
  if (!slots || !slots.length) return t('channels.no_slots');
  const byTime = {};
  for (const s of slots) (byTime[s.time] = byTime[s.time] || []).push(s.day);
  return Object.keys(byTime).sort().map((tm) => `${byTime[tm].sort().map((d) => weekdayShort(d % 7)).join(' ')} ${tm}`).join(' · ');
}

function Status({ channel }) {
  if (channel.network === 'manual') return html`<span class="badge conn conn-manual" data-testid="channel-status" data-status="manual">${t('channels.status_manual')}</span>`;
  const a = channel.account;
  const st = a ? a.status : 'none';
  return html`<span class=${'badge conn conn-' + st} data-testid="channel-status" data-status=${st}>
    <${Icon} name=${st === 'connected' ? 'check' : 'alert'} />${t(a ? (st === 'connected' ? 'channels.status_connected' : 'channels.status_problem') : 'channels.status_none')}</span>`;
}

function AddDialog({ app, onDone, onClose }) {
  const [f, setF] = useState({ network: 'bluesky', name: '', handle: '', timezone: app.tz });
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);
  const set = (k) => (v) => setF((o) => ({ ...o, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    if (!f.name.trim()) {
      setErrors({ name: t('errors.field.required') });
      return;
    }
    setBusy(true);
    const body = { network: f.network, name: f.name.trim() };
    if (f.handle.trim()) body.handle = f.handle.trim();
    if (f.timezone.trim()) body.timezone = f.timezone.trim();
    try {
      const r = await api.post(wsPath(app.ws.id, '/channels'), body);
      toast(t('channels.added', { name: r.channel.name }));
      onDone(r.channel);
      onClose();
    } catch (err) {
      const k = err.fieldName;
      setErrors(['network', 'name', 'handle', 'timezone'].includes(k) ? { [k]: errorText(err) } : { form: errorText(err) });
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('channels.add_title')} onClose=${onClose} testid="channel-add-dialog">
    <form onSubmit=${submit} novalidate>
      ${errors.form && html`<${Alert}>${errors.form}<//>`}
      <${Field} kind="select" label=${t('channels.network')} value=${f.network} onValue=${set('network')} error=${errors.network}
        options=${NETWORKS.map((n) => ({ value: n, label: networkName(n) }))} testid="channel-network" data-autofocus />
      <${Field} label=${t('channels.name')} value=${f.name} onValue=${set('name')} error=${errors.name} testid="channel-name" maxlength="200" />
      <${Field} label=${t('channels.handle')} value=${f.handle} onValue=${set('handle')} error=${errors.handle} hint=${t('channels.handle_hint')}
        testid="channel-handle" autocomplete="off" spellcheck="false" />
      <${Field} label=${t('settings.timezone')} value=${f.timezone} onValue=${set('timezone')} error=${errors.timezone} list="ch-tz-list"
        testid="channel-timezone" autocomplete="off" spellcheck="false" />
      <datalist id="ch-tz-list">${zones.map((z) => html`<option value=${z} />`)}</datalist>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="channel-add-submit"><${Icon} name="plus" />${t('channels.add')}</button>
      </div>
    </form>
  <//>`;
}

function ConnectDialog({ app, channel, onDone, onClose }) {
  const bsky = channel.network === 'bluesky';
  const [f, setF] = useState({ url: bsky ? 'https://bsky.social' : '', handle: bsky ? (channel.handle || '').replace(/^@/, '') : '', secret: '' });
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setF((o) => ({ ...o, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!/^https?:\/\/\S+$/.test(f.url.trim())) errs.url = t('channels.url_invalid');
    if (bsky && !f.handle.trim()) errs.handle = t('errors.field.required');
    if (!f.secret) errs.secret = t('errors.field.required');
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body = bsky
      ? { base_url: f.url.trim(), handle: f.handle.trim().replace(/^@/, ''), secrets: { app_password: f.secret } }
      : { url: f.url.trim(), secret: f.secret };
    setBusy(true);
    try {
      const r = await api.put(wsPath(app.ws.id, `/channels/${channel.id}/account`), body);
      toast(t('channels.connected', { name: channel.name }));
      onDone(r.channel);
      onClose();
    } catch (err) {
      const k = err.fieldName;
      const map = { base_url: 'url', url: 'url', handle: 'handle', secret: 'secret', 'secrets.app_password': 'secret', secrets: 'secret' };
      setErrors(map[k] ? { [map[k]]: errorText(err) } : { form: errorText(err) });
      setF((o) => ({ ...o, secret: '' }));
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t(channel.account ? 'channels.reconnect_title' : 'channels.connect_title', { name: channel.name })} onClose=${onClose} testid="connect-dialog">
    <form onSubmit=${submit} novalidate autocomplete="off">
      <p class="modal-text">${t(bsky ? 'channels.connect_intro_bluesky' : 'channels.connect_intro_webhook')}</p>
      ${errors.form && html`<${Alert} testid="connect-error">${errors.form}<//>`}
      <${Field} label=${t(bsky ? 'channels.pds_url' : 'channels.webhook_url')} type="url" inputmode="url" value=${f.url} onValue=${set('url')}
        error=${errors.url} hint=${bsky ? t('channels.pds_url_hint') : null} testid="connect-url" spellcheck="false" data-autofocus />
      ${bsky && html`<${Field} label=${t('channels.handle')} value=${f.handle} onValue=${set('handle')} error=${errors.handle}
        testid="connect-handle" autocomplete="off" spellcheck="false" />`}
      <${Field} label=${t(bsky ? 'channels.app_password' : 'channels.webhook_secret')} type="password" value=${f.secret} onValue=${set('secret')}
        error=${errors.secret} hint=${t(bsky ? 'channels.app_password_hint' : 'channels.secret_hint')} testid="connect-secret" autocomplete="new-password" />
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="connect-submit"><${Icon} name="link" />${t('channels.connect')}</button>
      </div>
    </form>
  <//>`;
}

// OAuth: "Connect with <network>" starts the flow and sends the browser to
// the network's page (Mastodon asks for the instance first); the network
// sends it back to #/ws/<ws>/channels?connected=<id> or ?oauth_error=<code>.
const OAUTH_CONNECT = ['x', 'linkedin', 'facebook', 'instagram', 'threads', 'mastodon'];

function OAuthConnect({ app, channel }) {
  const masto = channel.network === 'mastodon';
  const [instance, setInstance] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const go = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api.post(wsPath(app.ws.id, `/channels/${channel.id}/oauth`), masto ? { instance_url: instance.trim() } : {});
      location.assign(r.authorize_url);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return html`<form class="oauth-connect" onSubmit=${go} novalidate data-testid="oauth-connect">
    ${masto && html`<${Field} label=${t('channels.oauth_instance')} type="url" inputmode="url" value=${instance} onValue=${setInstance}
      hint=${t('channels.oauth_instance_hint')} testid="oauth-instance" spellcheck="false" />`}
    ${error && html`<${Alert} testid="oauth-error">${error}<//>`}
    <button type="submit" class=${'btn btn-sm ' + (channel.account ? 'btn-secondary' : 'btn-primary')} disabled=${busy} data-testid="oauth-start">
      <${Icon} name="link" />${t('channels.oauth_connect', { network: networkName(channel.network) })}</button>
  </form>`;
}

// What the network's return says, once; then the address loses it.
function useOAuthReturn(app) {
  useEffect(() => {
    const q = (app.route && app.route.query) || {};
    if (!q.connected && !q.oauth_error) return;
    if (q.connected) toast(t('channels.oauth_connected'));
    else toast(errorText({ code: q.oauth_error }), 'error');
    if (app.navigate) app.navigate(`/ws/${app.ws.id}/channels`, true);
  }, []);
}

export function Channels({ app }) {
  const manage = app.can('channels.manage');
  const [channels, setChannels] = useState(null);
  const [error, setError] = useState('');
  const [dialog, setDialog] = useState(null); // 'add' | {connect: channel}
  const load = () => api.get(wsPath(app.ws.id, '/channels')).then((r) => setChannels(r.channels || []), (e) => setError(errorText(e)));
  useEffect(() => { load(); }, []);
  useOAuthReturn(app);
  const replace = (c) => setChannels((list) => (list || []).some((x) => x.id === c.id) ? list.map((x) => (x.id === c.id ? c : x)) : [...(list || []), c]);

  return html`<div class="page" data-testid="page-channels">
    <${PageHeader} title=${t('channels.title')} subtitle=${t('channels.subtitle')}>
      ${manage && html`<button type="button" class="btn btn-primary" onClick=${() => setDialog('add')} data-testid="channel-add"><${Icon} name="plus" />${t('channels.add')}</button>`}
    </${PageHeader}>
    <${SettingsTabs} app=${app} current="channels" />
    ${!manage && html`<${Alert} kind="info" testid="channels-readonly">${t('channels.readonly')}<//>`}
    ${error && html`<${Alert}>${error}<//>`}
    ${channels === null ? html`<${Spinner} />` : channels.length === 0
      ? html`<${EmptyState} icon="share" title=${t('channels.empty_title')} body=${t(manage ? 'channels.empty_body' : 'channels.empty_body_read')} testid="channels-empty" />`
      : html`<ul class="channel-cards" data-testid="channel-list">${channels.map((c) => html`<li key=${c.id} class="card channel-card" data-testid="channel-row" data-id=${c.id} data-network=${c.network}>
          <div class="channel-card-head">
            <${NetBadge} network=${c.network} />
            <div class="channel-card-title">
              <h2 data-testid="channel-row-name">${c.name}</h2>
              <span class="muted small">${networkName(c.network)}${c.handle ? ' · ' + c.handle : ''}</span>
            </div>
            <${Status} channel=${c} />
          </div>
          <dl class="facts">
            <div><dt>${t('channels.account')}</dt><dd data-testid="channel-account">${c.account
              ? `${c.account.summary}${c.account.connected_at ? ' · ' + t('channels.since', { when: fmtDateTime(c.account.connected_at, app.tz) }) : ''}`
              : c.network === 'manual' ? t('channels.manual_note') : t('channels.not_connected')}</dd></div>
            <div><dt>${t('settings.timezone')}</dt><dd>${c.timezone || app.tz}</dd></div>
            <div><dt>${t('channels.slots')}</dt><dd data-testid="channel-slots">${slotText(c.slots)}</dd></div>
            ${c.limits && c.limits.max_chars ? html`<div><dt>${t('channels.limits')}</dt><dd>${t('channels.max_chars', { n: c.limits.max_chars })}</dd></div>` : null}
          </dl>
          ${manage && c.network !== 'manual' && html`<div class="channel-card-actions">
            ${FORM_CONNECT.includes(c.network)
              ? html`<button type="button" class=${'btn btn-sm ' + (c.account ? 'btn-secondary' : 'btn-primary')} onClick=${() => setDialog({ connect: c })}
                  data-testid="channel-connect" aria-label=${t(c.account ? 'channels.reconnect_for' : 'channels.connect_for', { name: c.name })}>
                  <${Icon} name="link" />${t(c.account ? 'channels.reconnect' : 'channels.connect')}</button>`
              : OAUTH_CONNECT.includes(c.network) ? html`<${OAuthConnect} app=${app} channel=${c} />`
              : html`<span class="muted small">${t('channels.oauth_soon')}</span>`}
          </div>`}
        </li>`)}</ul>`}
    ${dialog === 'add' && html`<${AddDialog} app=${app} onDone=${replace} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.connect && html`<${ConnectDialog} app=${app} channel=${dialog.connect} onDone=${replace} onClose=${() => setDialog(null)} />`}
  </div>`;
}
