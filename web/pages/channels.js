// channels: the workspace's channels (one account on one network each) with
// their connection, health (last published, last failure), limits and
// posting slots; those who manage channels add one, connect or reconnect
// its account, edit its slots and limits and read an instance's limits;
// those who schedule pause and resume one channel. Secrets are write-only:
// the API never returns them and the forms start empty.
import { html, useState, useEffect, useMemo } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, has, errorText, fmtDateTime } from '../i18n.js';
import { PageHeader, Card, Field, Alert, Spinner, Icon, Modal, Confirm, EmptyState, toast } from '../ui.js';
import { NetBadge, networkName, weekdayShort } from './content.js';
import { SettingsTabs } from './settings.js';
import { loadPause, usePause } from './publishing.js';

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

// The limits a person may set per channel, in the order shown.
const LIMIT_LABELS = {
  max_chars: 'channels.limit_max_chars',
  url_weight: 'channels.limit_url_weight',
  max_hashtags: 'channels.limit_max_hashtags',
  max_mentions: 'channels.limit_max_mentions',
  max_links: 'channels.limit_max_links',
  max_bytes: 'channels.limit_max_bytes',
  max_media: 'channels.limit_max_media',
  max_image_bytes: 'channels.limit_max_image_bytes',
};
const LIMIT_KEYS = Object.keys(LIMIT_LABELS);
// Networks whose connector reads the account's limits from the network.
const REPORTS_LIMITS = ['mastodon'];
const DAYS = [1, 2, 3, 4, 5, 6, 7];

function Health({ app, channel }) {
  const h = channel.health || {};
  const err = h.last_error;
  return html`<div><dt>${t('channels.last_published')}</dt><dd data-testid="channel-last-published">${h.last_published_at ? fmtDateTime(h.last_published_at, app.tz) : t('channels.never')}</dd></div>
    ${err && html`<div class="span-2"><dt>${t('channels.last_failure')}</dt><dd class="field-error" data-testid="channel-last-error" data-code=${err.code}>
      ${fmtDateTime(err.at, app.tz)} · ${err.code && has('errors.' + err.code) ? t('errors.' + err.code) : err.message}</dd></div>`}`;
}

// Slots: one row per weekday and time, in the channel's time zone.
function SlotsEditor({ slots, onChange, error }) {
  const set = (i, k, v) => onChange(slots.map((s, j) => (j === i ? { ...s, [k]: k === 'day' ? Number(v) : v } : s)));
  return html`<fieldset class="slots-editor" data-testid="slots-editor">
    <legend>${t('channels.slots')}</legend>
    ${slots.length === 0 && html`<p class="muted small">${t('channels.no_slots')}</p>`}
    <ul class="slot-rows">${slots.map((s, i) => html`<li key=${i} class="slot-row" data-testid="slot-row">
      <label class="visually-hidden" for=${'slot-day-' + i}>${t('channels.slot_day')}</label>
      <select id=${'slot-day-' + i} value=${s.day} onChange=${(e) => set(i, 'day', e.currentTarget.value)} data-testid="slot-day">
        ${DAYS.map((d) => html`<option value=${d}>${weekdayShort(d % 7)}</option>`)}</select>
      <label class="visually-hidden" for=${'slot-time-' + i}>${t('channels.slot_time')}</label>
      <input id=${'slot-time-' + i} type="time" value=${s.time} onInput=${(e) => set(i, 'time', e.currentTarget.value)} data-testid="slot-time" required />
      <button type="button" class="btn btn-ghost btn-sm" onClick=${() => onChange(slots.filter((_, j) => j !== i))}
        aria-label=${t('channels.slot_remove')} data-testid="slot-remove"><${Icon} name="trash" /></button>
    </li>`)}</ul>
    <button type="button" class="btn btn-secondary btn-sm" onClick=${() => onChange([...slots, { day: 1, time: '09:00' }])} data-testid="slot-add">
      <${Icon} name="plus" />${t('channels.slot_add')}</button>
    ${error && html`<p class="field-error" data-testid="slots-error">${error}</p>`}
  </fieldset>`;
}

function EditDialog({ app, channel, onDone, onClose }) {
  const zones = useMemo(timeZones, []);
  const [tz, setTz] = useState(channel.timezone || app.tz);
  const [slots, setSlots] = useState((channel.slots || []).map((s) => ({ ...s })));
  const [lim, setLim] = useState(Object.fromEntries(LIMIT_KEYS.map((k) => [k, channel.limits && channel.limits[k] ? String(channel.limits[k]) : ''])));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const defaults = channel.network_limits || {};
  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    const limits = {};
    for (const k of LIMIT_KEYS) {
      const v = lim[k].trim();
      if (!v) continue;
      if (!/^\d+$/.test(v) || Number(v) < 1) errs['limits.' + k] = t('channels.limit_invalid');
      else limits[k] = Number(v);
    }
    if (slots.some((s) => !/^([01]\d|2[0-3]):[0-5]\d$/.test(s.time))) errs.slots = t('channels.slot_invalid');
    setErrors(errs);
    if (Object.keys(errs).length) return;
    // the same day and time twice is one slot
    const seen = new Set();
    const clean = slots.filter((s) => !seen.has(s.day + s.time) && seen.add(s.day + s.time))
      .sort((a, b) => a.day - b.day || a.time.localeCompare(b.time));
    setBusy(true);
    try {
      const r = await api.patch(wsPath(app.ws.id, `/channels/${channel.id}`), { timezone: tz.trim(), slots: clean, limits });
      toast(t('channels.saved', { name: channel.name }));
      onDone(r.channel);
      onClose();
    } catch (err) {
      // the API names the field: $.limits.max_chars, $.slots[2], $.timezone
      const f = String(err.field || err.fieldName || '').replace(/^\$\./, '');
      const m = /^limits\.(\w+)/.exec(f);
      if (m && LIMIT_KEYS.includes(m[1])) setErrors({ ['limits.' + m[1]]: errorText(err) });
      else if (f.startsWith('slots')) setErrors({ slots: errorText(err) });
      else if (f === 'timezone') setErrors({ timezone: errorText(err) });
      else setErrors({ form: errorText(err) });
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('channels.edit_title', { name: channel.name })} onClose=${onClose} testid="channel-edit-dialog" wide>
    <form onSubmit=${submit} novalidate>
      ${errors.form && html`<${Alert} testid="channel-edit-error">${errors.form}<//>`}
      <${Field} label=${t('settings.timezone')} value=${tz} onValue=${setTz} error=${errors.timezone} list="ch-edit-tz-list"
        hint=${t('channels.timezone_hint')} testid="edit-timezone" autocomplete="off" spellcheck="false" />
      <datalist id="ch-edit-tz-list">${zones.map((z) => html`<option value=${z} />`)}</datalist>
      <${SlotsEditor} slots=${slots} onChange=${setSlots} error=${errors.slots} />
      <fieldset class="limits-editor" data-testid="limits-editor">
        <legend>${t('channels.limits')}</legend>
        <p class="muted small">${t('channels.limits_intro')}</p>
        <div class="form-grid">
          ${LIMIT_KEYS.map((k) => html`<${Field} key=${k} label=${t(LIMIT_LABELS[k])} value=${lim[k]} inputmode="numeric"
            onValue=${(v) => setLim((o) => ({ ...o, [k]: v }))} error=${errors['limits.' + k]} testid=${'limit-' + k}
            placeholder=${defaults[k] ? String(defaults[k]) : t('channels.limit_default')}
            hint=${defaults[k] ? t('channels.limit_network', { n: defaults[k] }) : null} />`)}
        </div>
      </fieldset>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="channel-edit-save">${t('common.save')}</button>
      </div>
    </form>
  <//>`;
}

// Pause or resume publishing on one channel (the crisis pause, scoped).
function PauseButton({ app, channel, paused }) {
  const [dialog, setDialog] = useState(false);
  const act = async (what) => {
    try {
      await api.post(wsPath(app.ws.id, `/publishing/${what}`), { channel_id: channel.id });
      await loadPause(app.ws.id);
      toast(t(what === 'pause' ? 'channels.paused_toast' : 'channels.resumed_toast', { name: channel.name }));
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };
  return html`${paused
    ? html`<button type="button" class="btn btn-sm btn-primary" onClick=${() => act('resume')} data-testid="channel-resume"
        aria-label=${t('channels.resume_for', { name: channel.name })}><${Icon} name="play" />${t('channels.resume')}</button>`
    : html`<button type="button" class="btn btn-sm btn-secondary" onClick=${() => setDialog(true)} data-testid="channel-pause"
        aria-label=${t('channels.pause_for', { name: channel.name })}><${Icon} name="alert" />${t('channels.pause')}</button>`}
    ${dialog && html`<${Confirm} title=${t('channels.pause_title', { name: channel.name })} message=${t('channels.pause_body')}
      confirmLabel=${t('channels.pause')} onConfirm=${() => act('pause')} onClose=${() => setDialog(false)} />`}`;
}

async function refreshLimits(app, channel, onDone) {
  try {
    const r = await api.post(wsPath(app.ws.id, `/channels/${channel.id}/limits/refresh`), {});
    onDone(r.channel);
    toast(t('channels.limits_refreshed', { n: r.channel.limits.max_chars }));
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

function limitsText(c) {
  const own = c.limits || {};
  const def = c.network_limits || {};
  const chars = own.max_chars || def.max_chars;
  const parts = [];
  if (chars) parts.push(t('channels.max_chars', { n: chars }) + (own.max_chars ? ' ' + t('channels.own_limit') : ''));
  if (own.max_media) parts.push(t('channels.max_media', { n: own.max_media }));
  const other = Object.keys(own).filter((k) => k !== 'max_chars' && k !== 'max_media').length;
  if (other) parts.push(t('channels.more_limits', { n: other }));
  return parts.join(' · ') || t('channels.limit_default');
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
  const schedule = app.can('posts.schedule');
  const { status } = usePause(app);
  const [channels, setChannels] = useState(null);
  const [error, setError] = useState('');
  const [dialog, setDialog] = useState(null); // 'add' | {connect: channel} | {edit: channel}
  const load = () => api.get(wsPath(app.ws.id, '/channels')).then((r) => setChannels(r.channels || []), (e) => setError(errorText(e)));
  useEffect(() => { load(); }, []);
  useOAuthReturn(app);
  const replace = (c) => setChannels((list) => (list || []).some((x) => x.id === c.id) ? list.map((x) => (x.id === c.id ? c : x)) : [...(list || []), c]);
  const pausedIds = new Set(((status && status.paused) || []).map((p) => p.channel_id));

  return html`<div class="page" data-testid="page-channels">
    <${PageHeader} title=${t('channels.title')} subtitle=${t('channels.subtitle')}>
      ${manage && html`<button type="button" class="btn btn-primary" onClick=${() => setDialog('add')} data-testid="channel-add"><${Icon} name="plus" />${t('channels.add')}</button>`}
    </${PageHeader}>
    <${SettingsTabs} app=${app} current="channels" />
    ${!manage && html`<${Alert} kind="info" testid="channels-readonly">${t('channels.readonly')}<//>`}
    ${error && html`<${Alert}>${error}<//>`}
    ${channels === null ? html`<${Spinner} />` : channels.length === 0
      ? html`<${EmptyState} icon="share" title=${t('channels.empty_title')} body=${t(manage ? 'channels.empty_body' : 'channels.empty_body_read')} testid="channels-empty" />`
      : html`<ul class="channel-cards" data-testid="channel-list">${channels.map((c) => {
        const paused = pausedIds.has(c.id);
        return html`<li key=${c.id} class=${'card channel-card' + (paused ? ' is-paused' : '')} data-testid="channel-row" data-id=${c.id} data-network=${c.network}
          data-paused=${paused ? '1' : '0'} data-health=${(c.health && c.health.state) || ''}>
          <div class="channel-card-head">
            <${NetBadge} network=${c.network} />
            <div class="channel-card-title">
              <h2 data-testid="channel-row-name">${c.name}</h2>
              <span class="muted small">${networkName(c.network)}${c.handle ? ' · ' + c.handle : ''}</span>
            </div>
            ${paused && html`<span class="badge conn conn-paused" data-testid="channel-paused"><${Icon} name="alert" />${t('channels.paused')}</span>`}
            <${Status} channel=${c} />
          </div>
          <dl class="facts">
            <div><dt>${t('channels.account')}</dt><dd data-testid="channel-account">${c.account
              ? `${c.account.summary}${c.account.connected_at ? ' · ' + t('channels.since', { when: fmtDateTime(c.account.connected_at, app.tz) }) : ''}`
              : c.network === 'manual' ? t('channels.manual_note') : t('channels.not_connected')}</dd></div>
            <${Health} app=${app} channel=${c} />
            <div><dt>${t('settings.timezone')}</dt><dd data-testid="channel-timezone">${c.timezone || app.tz}</dd></div>
            <div><dt>${t('channels.slots')}</dt><dd data-testid="channel-slots">${slotText(c.slots)}</dd></div>
            <div><dt>${t('channels.limits')}</dt><dd data-testid="channel-limits">${limitsText(c)}</dd></div>
          </dl>
          ${(manage || schedule) && html`<div class="channel-card-actions">
            ${manage && c.network !== 'manual' && (FORM_CONNECT.includes(c.network)
              ? html`<button type="button" class=${'btn btn-sm ' + (c.account ? 'btn-secondary' : 'btn-primary')} onClick=${() => setDialog({ connect: c })}
                  data-testid="channel-connect" aria-label=${t(c.account ? 'channels.reconnect_for' : 'channels.connect_for', { name: c.name })}>
                  <${Icon} name="link" />${t(c.account ? 'channels.reconnect' : 'channels.connect')}</button>`
              : OAUTH_CONNECT.includes(c.network) ? html`<${OAuthConnect} app=${app} channel=${c} />`
              : html`<span class="muted small">${t('channels.oauth_soon')}</span>`)}
            ${manage && html`<button type="button" class="btn btn-sm btn-secondary" onClick=${() => setDialog({ edit: c })} data-testid="channel-edit"
                aria-label=${t('channels.edit_for', { name: c.name })}><${Icon} name="settings" />${t('channels.edit')}</button>`}
            ${manage && REPORTS_LIMITS.includes(c.network) && c.account && html`<button type="button" class="btn btn-sm btn-ghost"
                onClick=${() => refreshLimits(app, c, replace)} data-testid="channel-limits-refresh"><${Icon} name="repeat" />${t('channels.limits_refresh')}</button>`}
            ${schedule && c.network !== 'manual' && html`<${PauseButton} app=${app} channel=${c} paused=${paused} />`}
          </div>`}
        </li>`;
      })}</ul>`}
    ${dialog === 'add' && html`<${AddDialog} app=${app} onDone=${replace} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.connect && html`<${ConnectDialog} app=${app} channel=${dialog.connect} onDone=${replace} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.edit && html`<${EditDialog} app=${app} channel=${dialog.edit} onDone=${replace} onClose=${() => setDialog(null)} />`}
  </div>`;
}
