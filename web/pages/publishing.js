// publishing: what happens to a post after it is scheduled — each
// publication's state and attempts (the per-post timeline in Compose), the
// failed / unconfirmed / missed queue with retry, mark-as-published and
// cancel, and the crisis pause (a switch, and a banner while it is on).
import { html, useState, useEffect, useRef } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, has, errorText, fmtDateTime } from '../i18n.js';
import { PageHeader, Alert, Spinner, Icon, EmptyState, Modal, Confirm, Card, Field, toast } from '../ui.js';
import { ContentTabs, NetBadge, networkName } from './content.js';

export const QUEUE_STATES = ['failed', 'unconfirmed', 'missed'];
const ACTIONABLE = ['failed', 'unconfirmed', 'missed', 'awaiting_manual'];
const WAITING = ['pending', 'publishing', 'running'];

export function pubStateName(s) {
  return has('pubstate.' + s) ? t('pubstate.' + s) : s;
}

function outcomeName(s) {
  if (!s) return t('outcome.running');
  return has('outcome.' + s) ? t('outcome.' + s) : s;
}

const pubPath = (app, id, rest = '') => wsPath(app.ws.id, `/publications/${id}${rest}`);

// A link to the live post: its https URL, else the at:// URI (or id) as text.
function LiveLink({ pub }) {
  const url = pub.remote_url || '';
  const id = pub.remote_id && pub.remote_id !== url ? pub.remote_id : '';
  return html`<span class="pub-links">${/^https?:\/\//.test(url)
    ? html`<a class="pub-link" href=${url} target="_blank" rel="noopener noreferrer" data-testid="pub-link"><${Icon} name="link" />${url}</a>` : null}
    ${id ? html`<code class="pub-link" data-testid="pub-remote-id">${id}</code>` : null}</span>`;
}

function MarkDialog({ app, pub, onDone, onClose }) {
  const [url, setUrl] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!/^https?:\/\/\S+$/.test(url.trim())) {
      setError(t('pub.url_invalid'));
      return;
    }
    setBusy(true);
    try {
      const r = await api.post(pubPath(app, pub.id, '/mark-published'), { url: url.trim() });
      toast(t('pub.marked'));
      onDone(r.publication);
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('pub.mark_title')} onClose=${onClose} testid="mark-dialog">
    <form onSubmit=${submit} novalidate>
      <p class="modal-text">${t('pub.mark_intro', { channel: pub.channel.name })}</p>
      <${Field} label=${t('pub.url')} type="url" inputmode="url" placeholder="https://" value=${url} onValue=${setUrl}
        error=${error} testid="mark-url" data-autofocus />
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="mark-submit"><${Icon} name="check" />${t('pub.mark')}</button>
      </div>
    </form>
  <//>`;
}

// Retry / mark as published / cancel for a publication that needs a person.
function PubActions({ app, pub, onChanged }) {
  const [dialog, setDialog] = useState('');
  const [busy, setBusy] = useState(false);
  if (!app.can('posts.schedule') || !ACTIONABLE.includes(pub.state)) return null;
  const retry = async () => {
    setBusy(true);
    try {
      onChanged((await api.post(pubPath(app, pub.id, '/retry'))).publication);
      toast(t('pub.retried'));
    } catch (e) {
      toast(errorText(e), 'error');
    }
    setBusy(false);
  };
  return html`<div class="pub-actions">
    ${pub.state !== 'awaiting_manual' && html`<button type="button" class="btn btn-secondary btn-sm" disabled=${busy} onClick=${retry} data-testid="pub-retry">
      <${Icon} name="repeat" />${t('pub.retry')}</button>`}
    <button type="button" class="btn btn-secondary btn-sm" disabled=${busy} onClick=${() => setDialog('mark')} data-testid="pub-mark">
      <${Icon} name="check" />${t('pub.mark')}</button>
    <button type="button" class="btn btn-ghost btn-sm" disabled=${busy} onClick=${() => setDialog('cancel')} data-testid="pub-cancel">
      <${Icon} name="close" />${t('pub.cancel')}</button>
    ${dialog === 'mark' && html`<${MarkDialog} app=${app} pub=${pub} onDone=${onChanged} onClose=${() => setDialog('')} />`}
    ${dialog === 'cancel' && html`<${Confirm} title=${t('pub.cancel_title')} message=${t('pub.cancel_body', { channel: pub.channel.name })}
      confirmLabel=${t('pub.cancel')} onClose=${() => setDialog('')}
      onConfirm=${async () => { onChanged((await api.post(pubPath(app, pub.id, '/cancel'))).publication); toast(t('pub.canceled')); }} />`}
  </div>`;
}

function Attempts({ app, pub }) {
  const list = pub.timeline || [];
  if (!list.length) return html`<p class="muted small" data-testid="pub-no-attempts">${t('pub.no_attempts')}</p>`;
  return html`<ol class="pub-attempts" data-testid="pub-attempts">
    ${list.map((a) => html`<li key=${a.attempt + a.kind + a.started_at} class=${'pub-attempt out-' + (a.outcome || 'running')} data-testid="pub-attempt" data-outcome=${a.outcome || ''}>
      <span class="pub-attempt-head"><strong>${t('pub.attempt_n', { n: a.attempt })}</strong>
        <span class="muted small">${fmtDateTime(a.started_at, app.tz)}${a.duration_ms !== null && a.duration_ms !== undefined ? ' · ' + t('pub.ms', { n: a.duration_ms }) : ''}</span>
        <span class="badge">${outcomeName(a.outcome)}${a.http_status ? ' · HTTP ' + a.http_status : ''}</span></span>
      ${a.message && html`<span class="pub-attempt-msg small">${a.message}</span>`}
    </li>`)}
  </ol>`;
}

function PubItem({ app, pub, onChanged, showPost }) {
  return html`<li class=${'card pub pub-' + pub.state} data-testid="pub-item" data-id=${pub.id} data-state=${pub.state}>
    <div class="pub-head">
      <${NetBadge} network=${pub.channel.network} />
      <div class="pub-title">
        ${showPost ? html`<a href=${`${app.base}/posts/${pub.post_id}`} data-testid="pub-post">${pub.post_title || t('content.untitled')}</a>` : html`<strong>${pub.channel.name}</strong>`}
        <span class="muted small">${showPost ? pub.channel.name + ' · ' : ''}${networkName(pub.channel.network)} · ${t('pub.due', { when: fmtDateTime(pub.due_at, app.tz) })}</span>
      </div>
      <span class=${'badge pubstate pubstate-' + pub.state} data-testid="pub-state">${pubStateName(pub.state)}</span>
    </div>
    ${pub.paused && html`<p class="small warn-text" data-testid="pub-paused"><${Icon} name="info" />${t('pub.held')}</p>`}
    ${pub.state === 'published' && html`<p class="small pub-live">${t('pub.live')}${pub.published_at ? ' ' + fmtDateTime(pub.published_at, app.tz) : ''} <${LiveLink} pub=${pub} /></p>`}
    ${pub.last_error && pub.state !== 'published' && html`<p class="small field-error" data-testid="pub-error">${pub.last_error_code && has('errors.' + pub.last_error_code) ? t('errors.' + pub.last_error_code) + ' — ' : ''}${pub.last_error}</p>`}
    <${Attempts} app=${app} pub=${pub} />
    <${PubActions} app=${app} pub=${pub} onChanged=${onChanged} />
  </li>`;
}

// The timeline of one post (in Compose): polls while something is on its way.
export function PublishingTimeline({ app, post, onPostChanged }) {
  const [pubs, setPubs] = useState(null);
  const [error, setError] = useState('');
  const last = useRef(null); // the states last seen, to tell the composer when they change
  const load = async () => {
    try {
      const r = await api.get(wsPath(app.ws.id, `/posts/${post.id}/publications`));
      const list = r.publications || [];
      setPubs(list);
      setError('');
      const sig = list.map((p) => p.id + ':' + p.state).join(',');
      if (last.current !== null && sig !== last.current && onPostChanged) onPostChanged();
      last.current = sig;
      return list;
    } catch (e) {
      setError(errorText(e));
      return null;
    }
  };
  useEffect(() => {
    let live = true;
    let timer = 0;
    const tick = async () => {
      const list = await load();
      if (!live) return;
      const busy = !list || list.length === 0 ? post.state === 'scheduled' || post.state === 'publishing' : list.some((p) => WAITING.includes(p.state));
      timer = setTimeout(tick, busy ? 1500 : 10000);
    };
    tick();
    return () => { live = false; clearTimeout(timer); };
  }, [post.id, post.state]);
  const changed = (p) => {
    setPubs((list) => (list || []).map((x) => (x.id === p.id ? { ...x, ...p } : x)));
    load();
    if (onPostChanged) onPostChanged();
  };
  return html`<${Card} title=${t('pub.timeline_title')} subtitle=${t('pub.timeline_sub')} testid="pub-timeline">
    ${error && html`<${Alert}>${error}<//>`}
    ${pubs === null ? html`<${Spinner} />` : pubs.length === 0 ? html`<p class="muted small" data-testid="pub-none">${t('pub.none')}</p>`
      : html`<ul class="pub-list">${pubs.map((p) => html`<${PubItem} key=${p.id} app=${app} pub=${p} onChanged=${changed} />`)}</ul>`}
  <//>`;
}

// Failed · Unconfirmed · Missed, each with the same actions.
export function FailedQueue({ app }) {
  const q = app.route.query;
  const state = QUEUE_STATES.includes(q.state) ? q.state : 'failed';
  const [pubs, setPubs] = useState(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setPubs(null);
    api.get(wsPath(app.ws.id, `/publications?state=${state}&limit=100`)).then((r) => live && setPubs(r.publications || []),
      (e) => live && setError(errorText(e)));
    return () => { live = false; };
  }, [state, tick]);
  const changed = () => setTick((x) => x + 1);
  return html`<div class="page" data-testid="page-failed" data-state=${state}>
    <${PageHeader} title=${t('pub.queue_title')} subtitle=${t('pub.queue_sub')}>
      <${PauseSwitch} app=${app} />
    </${PageHeader}>
    <${ContentTabs} app=${app} current="failed" />
    <${PauseBanner} app=${app} />
    <div class="seg queue-seg" role="group" aria-label=${t('pub.queue_filter')}>
      ${QUEUE_STATES.map((s) => html`<a key=${s} class="seg-btn" href=${`${app.base}/failed?state=${s}`} aria-pressed=${s === state ? 'true' : 'false'}
        aria-current=${s === state ? 'page' : undefined} data-testid=${'queue-' + s}>${pubStateName(s)}</a>`)}
    </div>
    ${error && html`<${Alert}>${error}<//>`}
    ${pubs === null ? html`<${Spinner} />` : pubs.length === 0
      ? html`<${EmptyState} icon="check" title=${t('pub.queue_empty_title', { state: pubStateName(state) })} body=${t('pub.queue_empty_body')} testid="queue-empty" />`
      : html`<ul class="pub-list" data-testid="queue-list">${pubs.map((p) => html`<${PubItem} key=${p.id} app=${app} pub=${p} onChanged=${changed} showPost />`)}</ul>`}
  </div>`;
}

/* ---------- the crisis pause ---------- */

// One shared view of the pause per page: components subscribe to changes.
const pauseListeners = new Set();
let pauseState = { ws: null, status: null };

export async function loadPause(ws) {
  const s = await api.get(wsPath(ws, '/publishing'));
  pauseState = { ws, status: s };
  pauseListeners.forEach((fn) => fn(pauseState));
  return s;
}

export function usePause(app) {
  const [st, setSt] = useState(pauseState.ws === app.ws.id ? pauseState.status : null);
  useEffect(() => {
    const fn = (x) => x.ws === app.ws.id && setSt(x.status);
    pauseListeners.add(fn);
    loadPause(app.ws.id).catch(() => {});
    return () => pauseListeners.delete(fn);
  }, [app.ws.id]);
  const whole = st && (st.paused || []).find((p) => p.channel_id === null);
  return { status: st, whole };
}

export function PauseBanner({ app }) {
  const { whole } = usePause(app);
  if (!whole) return null;
  return html`<div class="alert alert-warn pause-banner" role="status" data-testid="pause-banner">
    <${Icon} name="alert" />
    <div><strong>${t('pause.banner_title')}</strong>
      <p class="small">${t('pause.banner_body', { when: fmtDateTime(whole.paused_at, app.tz) })}${whole.reason ? ' — “' + whole.reason + '”' : ''}</p></div>
  </div>`;
}

export function PauseSwitch({ app }) {
  const { status, whole } = usePause(app);
  const [dialog, setDialog] = useState('');
  const [reason, setReason] = useState('');
  if (!app.can('posts.schedule') || !status) return null;
  const pause = async () => {
    const body = reason.trim() ? { reason: reason.trim() } : {};
    await api.post(wsPath(app.ws.id, '/publishing/pause'), body);
    await loadPause(app.ws.id);
    toast(t('pause.paused'));
  };
  const resume = async () => {
    await api.post(wsPath(app.ws.id, '/publishing/resume'), {});
    await loadPause(app.ws.id);
    toast(t('pause.resumed'));
  };
  return html`<span class="pause-switch">
    ${whole ? html`<button type="button" class="btn btn-primary" onClick=${() => setDialog('resume')} data-testid="pause-resume">
        <${Icon} name="play" />${t('pause.resume')}</button>`
      : html`<button type="button" class="btn btn-danger" onClick=${() => setDialog('pause')} data-testid="pause-open">
        <${Icon} name="alert" />${t('pause.pause')}</button>`}
    ${dialog === 'pause' && html`<${Modal} title=${t('pause.confirm_title')} onClose=${() => setDialog('')} testid="pause-dialog">
      <p class="modal-text">${t('pause.confirm_body')}</p>
      <${Field} label=${t('pause.reason')} hint=${t('pause.reason_hint')} value=${reason} onValue=${setReason} testid="pause-reason" maxlength="500" data-autofocus />
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${() => setDialog('')}>${t('common.cancel')}</button>
        <button type="button" class="btn btn-danger" data-testid="pause-confirm"
          onClick=${async () => { try { await pause(); setDialog(''); } catch (e) { toast(errorText(e), 'error'); } }}>${t('pause.pause')}</button>
      </div>
    <//>`}
    ${dialog === 'resume' && html`<${Confirm} title=${t('pause.resume_title')} message=${t('pause.resume_body', { grace: Math.round((status.grace_seconds || 0) / 60) })}
      confirmLabel=${t('pause.resume')} onConfirm=${resume} onClose=${() => setDialog('')} />`}
  </span>`;
}
