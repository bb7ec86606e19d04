// content: what the content screens share — networks and post states with
// their badges, plain-date arithmetic in the workspace's zone, the tabs over
// Calendar · Posts · Approvals, and the workflow dialogs (schedule, request
// changes) used by Compose, Calendar and Approvals.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, has, errorText, fmtNumber } from '../i18n.js';
import { Icon, Modal, Alert, useId, toast } from '../ui.js';

/* ---------- networks ---------- */

// Short mark shown in the coloured badge (the full name is read out).
const MARKS = { x: 'X', mastodon: 'M', bluesky: 'B', threads: '@', instagram: 'IG', linkedin: 'in', facebook: 'f', tiktok: 'T', webhook: 'W', manual: '✎' };

export function networkName(n) {
  return has('networks.' + n) ? t('networks.' + n) : n;
}

export function NetBadge({ network, size = '' }) {
  return html`<span class=${`net net-${network} ${size}`} title=${networkName(network)}>
    <span aria-hidden="true">${MARKS[network] || '?'}</span><span class="visually-hidden">${networkName(network)}</span>
  </span>`;
}

/* ---------- post states ---------- */

export const STATES = ['draft', 'in_review', 'approved', 'scheduled', 'publishing', 'published', 'failed', 'unconfirmed', 'canceled'];
const STATE_ICON = {
  draft: 'compose', in_review: 'eye', approved: 'check', scheduled: 'clock', publishing: 'spark',
  published: 'send', failed: 'alert', unconfirmed: 'info', canceled: 'close',
};

export function stateName(s) {
  return has('states.' + s) ? t('states.' + s) : s;
}

export function StateBadge({ state, testid = 'state-badge', iconOnly }) {
  if (iconOnly) {
    return html`<span class=${'state-icon state-' + state} title=${stateName(state)} data-state=${state}>
      <${Icon} name=${STATE_ICON[state] || 'info'} /><span class="visually-hidden">${stateName(state)}</span></span>`;
  }
  return html`<span class=${'badge state state-' + state} data-testid=${testid} data-state=${state}>
    <${Icon} name=${STATE_ICON[state] || 'info'} />${stateName(state)}</span>`;
}

/* ---------- plain dates ("YYYY-MM-DD") and local times ("YYYY-MM-DDTHH:MM") ---------- */

const toDate = (s) => new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10))));
const fromDate = (d) => d.toISOString().slice(0, 10);

export function isDate(s) {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && fromDate(toDate(s)) === s;
}

// Today (or now, with time) on the wall clock of timeZone.
export function nowIn(timeZone) {
  const o = {};
  try {
    const f = new Intl.DateTimeFormat('en-US', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    });
    for (const p of f.formatToParts(new Date())) o[p.type] = p.value;
  } catch (e) {
    const d = new Date();
    return d.toISOString().slice(0, 16);
  }
  return `${o.year}-${o.month}-${o.day}T${o.hour}:${o.minute}`;
}

export const todayIn = (timeZone) => nowIn(timeZone).slice(0, 10);

export function addDays(s, n) {
  const d = toDate(s);
  d.setUTCDate(d.getUTCDate() + n);
  return fromDate(d);
}

export function addMonths(s, n) {
  const d = toDate(s.slice(0, 8) + '01');
  d.setUTCMonth(d.getUTCMonth() + n);
  return fromDate(d);
}

// 0 = Sunday.
export const weekday = (s) => toDate(s).getUTCDay();
export const mondayOf = (s) => addDays(s, -((weekday(s) + 6) % 7));
export const monthStart = (s) => s.slice(0, 8) + '01';
export const daysBetween = (a, b) => Math.round((toDate(b) - toDate(a)) / 86400000);

const pick = (key, i) => t(key).split(',')[i] || '';

export const monthName = (s) => pick('date.months', Number(s.slice(5, 7)) - 1);
export const monthTitle = (s) => `${monthName(s)} ${s.slice(0, 4)}`;
export const weekdayShort = (i) => pick('date.weekdays_short', i);

// "14 Dec 2026" (year: false drops the year; weekday: true adds "Mon").
export function fmtDay(s, { year = true, wd = false } = {}) {
  if (!isDate(s)) return s || '';
  const out = `${Number(s.slice(8, 10))} ${pick('date.months_short', Number(s.slice(5, 7)) - 1)}${year ? ' ' + s.slice(0, 4) : ''}`;
  return wd ? `${weekdayShort(weekday(s))} ${out}` : out;
}

// "14 Dec 2026, 09:00" from "2026-12-14T09:00".
export function fmtLocal(local) {
  if (!local || local.length < 16) return local || '';
  return `${fmtDay(local.slice(0, 10))}, ${local.slice(11, 16)}`;
}

/* ---------- tabs over the content screens ---------- */

export function ContentTabs({ app, current, reviewCount }) {
  const tabs = [
    { id: 'calendar', label: 'content.tab_calendar', icon: 'calendar' },
    { id: 'posts', label: 'content.tab_posts', icon: 'list' },
    { id: 'approvals', label: 'content.tab_approvals', icon: 'eye' },
    { id: 'failed', label: 'content.tab_failed', icon: 'alert' },
  ];
  return html`<nav class="tabs" aria-label=${t('content.sections')} data-testid="content-tabs">
    ${tabs.map((x) => html`<a key=${x.id} href=${`${app.base}/${x.id}`} class=${'tab' + (x.id === current ? ' active' : '')}
        aria-current=${x.id === current ? 'page' : undefined} data-testid=${'tab-' + x.id}>
      <${Icon} name=${x.icon} /><span>${t(x.label)}</span>
      ${x.id === 'approvals' && reviewCount ? html`<span class="tab-count" data-testid="tab-approvals-count">${fmtNumber(reviewCount)}</span>` : null}
    </a>`)}
  </nav>`;
}

/* ---------- the workflow over the API ---------- */

export function postPath(app, id, rest = '') {
  return wsPath(app.ws.id, `/posts/${id}${rest}`);
}

// Every problem of every variant (the scheduler refuses a post that has any).
export function variantProblems(post) {
  return ((post && post.variants) || []).reduce((n, v) => n + ((v.problems && v.problems.length) || 0), 0);
}

// Request changes: a comment is required.
export function ChangesDialog({ app, post, onDone, onClose }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId('changes');
  const submit = async (e) => {
    e.preventDefault();
    if (!text.trim()) {
      setError(t('approvals.comment_required'));
      return;
    }
    setBusy(true);
    try {
      const r = await api.post(postPath(app, post.id, '/request-changes'), { comment: text.trim() });
      toast(t('approvals.changes_sent', { title: post.title || t('content.untitled') }));
      onDone(r.post);
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('approvals.changes_title')} onClose=${onClose} testid="changes-dialog">
    <form onSubmit=${submit} novalidate>
      <p class="modal-text">${t('approvals.changes_intro')}</p>
      <div class=${'field' + (error ? ' has-error' : '')}>
        <label for=${id}>${t('approvals.comment')}</label>
        <textarea id=${id} rows="4" value=${text} onInput=${(e) => setText(e.currentTarget.value)} data-autofocus
          aria-invalid=${error ? 'true' : undefined} aria-describedby=${error ? id + '-err' : undefined} data-testid="changes-comment"></textarea>
        ${error && html`<p class="field-error" id=${id + '-err'} data-testid="changes-error">${error}</p>`}
      </div>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="changes-submit">${t('approvals.changes_submit')}</button>
      </div>
    </form>
  <//>`;
}

export async function approvePost(app, post) {
  const r = await api.post(postPath(app, post.id, '/approve'));
  toast(t('approvals.approved', { title: post.title || t('content.untitled') }));
  return r.post;
}

// Schedule at a date and time in the workspace's zone, or into the queue
// (the next free slot of the first channel). date: the day to suggest.
export function ScheduleDialog({ app, post, date, onDone, onClose }) {
  const today = todayIn(app.tz);
  const firstChannel = post.variants && post.variants[0] && post.variants[0].channel;
  const [mode, setMode] = useState('time');
  const [day, setDay] = useState(date && date >= today ? date : addDays(today, 1));
  const [time, setTime] = useState((post.schedule && post.schedule.local && post.schedule.local.slice(11, 16)) || '09:00');
  const [slot, setSlot] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const dayId = useId('sched');

  useEffect(() => {
    if (!firstChannel) return;
    api.get(wsPath(app.ws.id, `/channels/${firstChannel.id}/next-slot`)).then(setSlot, (e) => setSlot({ error: errorText(e) }));
  }, []);

  const submit = async (e) => {
    e.preventDefault();
    setError('');
    let body;
    if (mode === 'queue') {
      if (!firstChannel) return;
      body = { queue_channel_id: firstChannel.id };
    } else {
      if (!isDate(day) || !/^\d{2}:\d{2}$/.test(time)) {
        setError(t('schedule.pick_time'));
        return;
      }
      body = { local: `${day}T${time}`, timezone: app.tz };
    }
    setBusy(true);
    try {
      const r = await api.post(postPath(app, post.id, '/schedule'), body);
      const p = r.post;
      toast(t('schedule.done', { when: fmtLocal(p.schedule ? p.schedule.local : body.local) }));
      onDone(p);
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return html`<${Modal} title=${t('schedule.title')} onClose=${onClose} testid="schedule-dialog">
    <form onSubmit=${submit} novalidate>
      ${error && html`<${Alert} testid="schedule-error">${error}<//>`}
      <fieldset class="choice">
        <legend class="visually-hidden">${t('schedule.how')}</legend>
        <label class=${'choice-item' + (mode === 'time' ? ' on' : '')}>
          <input type="radio" name="mode" value="time" checked=${mode === 'time'} onChange=${() => setMode('time')} data-testid="schedule-mode-time" />
          <span><strong>${t('schedule.at_time')}</strong><span class="muted small block">${t('schedule.at_time_hint', { zone: app.tz })}</span></span>
        </label>
        ${mode === 'time' && html`<div class="form-grid sched-when">
          <div class="field">
            <label for=${dayId + '-d'}>${t('schedule.date')}</label>
            <input id=${dayId + '-d'} type="date" min=${today} value=${day} onInput=${(e) => setDay(e.currentTarget.value)} data-testid="schedule-date" data-autofocus />
          </div>
          <div class="field">
            <label for=${dayId + '-t'}>${t('schedule.time')}</label>
            <input id=${dayId + '-t'} type="time" value=${time} onInput=${(e) => setTime(e.currentTarget.value)} data-testid="schedule-time" />
          </div>
        </div>`}
        ${firstChannel && html`<label class=${'choice-item' + (mode === 'queue' ? ' on' : '')}>
          <input type="radio" name="mode" value="queue" checked=${mode === 'queue'} onChange=${() => setMode('queue')} data-testid="schedule-mode-queue" />
          <span><strong>${t('schedule.queue')}</strong>
            <span class="muted small block" data-testid="schedule-slot">${slot === null ? t('common.loading')
              : slot.error ? slot.error
              : t('schedule.queue_hint', { channel: firstChannel.name, network: networkName(firstChannel.network), when: fmtLocal(slot.local) })}</span></span>
        </label>`}
      </fieldset>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy || (mode === 'queue' && (!slot || slot.error))} data-testid="schedule-submit">
          <${Icon} name=${mode === 'queue' ? 'queue' : 'clock'} />${mode === 'queue' ? t('schedule.add_to_queue') : t('schedule.submit')}</button>
      </div>
    </form>
  <//>`;
}
