// calendar: the editorial calendar by month or week, in the workspace's
// time zone (?view=month&date=2026-12-01&channel=3&state=scheduled in the
// address). Posts are cards coloured by network with a state icon; a card
// dragged to another day (or moved with its Move button) keeps its local
// time. Approved posts waiting for a time sit in the side panel, ready to be
// dropped on a day.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, tn, errorText } from '../i18n.js';
import { PageHeader, Alert, Spinner, Icon, Modal, useId, toast } from '../ui.js';
import { PauseSwitch, PauseBanner } from './publishing.js';
import {
  ContentTabs, NetBadge, StateBadge, ScheduleDialog, networkName, stateName, postPath, variantProblems,
  isDate, todayIn, weekday, addDays, addMonths, mondayOf, monthStart, daysBetween, monthTitle, weekdayShort, fmtDay, fmtLocal,
} from './content.js';

const CAL_STATES = ['scheduled', 'publishing', 'published', 'failed', 'unconfirmed'];

function range(view, date) {
  if (view === 'week') {
    const from = mondayOf(date);
    return { from, to: addDays(from, 6) };
  }
  const first = monthStart(date);
  const last = addDays(addMonths(first, 1), -1);
  return { from: mondayOf(first), to: addDays(mondayOf(last), 6) };
}

function daysOf(from, to) {
  const out = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/* ---------- move with the keyboard ---------- */

function MoveDialog({ app, item, onMove, onClose }) {
  const [day, setDay] = useState(item.local.slice(0, 10));
  const [error, setError] = useState('');
  const id = useId('move');
  const today = todayIn(app.tz);
  const submit = (e) => {
    e.preventDefault();
    if (!isDate(day)) {
      setError(t('calendar.move_pick'));
      return;
    }
    onClose();
    onMove(item, day);
  };
  return html`<${Modal} title=${t('calendar.move_title', { title: item.title || t('content.untitled') })} onClose=${onClose} testid="move-dialog">
    <form onSubmit=${submit} novalidate>
      <p class="modal-text">${t('calendar.move_intro', { time: item.local.slice(11, 16), zone: app.tz })}</p>
      <div class=${'field' + (error ? ' has-error' : '')}>
        <label for=${id}>${t('calendar.move_date')}</label>
        <input id=${id} type="date" min=${today} value=${day} onInput=${(e) => setDay(e.currentTarget.value)} data-autofocus data-testid="move-date" />
        ${error && html`<p class="field-error">${error}</p>`}
      </div>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" data-testid="move-submit"><${Icon} name="move" />${t('calendar.move')}</button>
      </div>
    </form>
  <//>`;
}

/* ---------- a card ---------- */

function PostCard({ app, item, week, canMove, onDragStart, onDragEnd, onMove }) {
  const nets = [...new Set(item.channels.map((c) => c.network))];
  const title = item.title || item.excerpt || t('content.untitled');
  // A recurring post moves as a series, from the post itself, not by one occurrence.
  const movable = canMove && item.state === 'scheduled' && !item.recurring;
  return html`<div class=${`cal-card tint-${nets[0] || 'none'}` + (movable ? ' movable' : '')} draggable=${movable ? 'true' : 'false'}
      data-testid="cal-card" data-id=${item.id} data-state=${item.state} data-local=${item.local} data-recurring=${item.recurring ? 'true' : undefined}
      onDragStart=${movable ? (e) => onDragStart(e, item) : undefined} onDragEnd=${onDragEnd}>
    <a class="cal-card-link" href=${`${app.base}/posts/${item.id}`} draggable=${movable ? 'false' : undefined} data-testid="cal-card-open">
      <span class="cal-card-top">
        <${StateBadge} state=${item.state} iconOnly />
        <span class="cal-time">${item.local.slice(11, 16)}</span>
        ${item.recurring && html`<span class="cal-repeat" title=${t('calendar.repeats')}><${Icon} name="repeat" /><span class="visually-hidden">${t('calendar.repeats')}</span></span>`}
        <span class="cal-nets">${nets.map((n) => html`<${NetBadge} key=${n} network=${n} size="net-xs" />`)}</span>
      </span>
      <span class="cal-card-title">${title}</span>
      ${week && item.excerpt && html`<span class="cal-card-excerpt">${item.excerpt}</span>`}
      <span class="visually-hidden">, ${stateName(item.state)}</span>
    </a>
    ${movable && html`<button type="button" class="cal-move" onClick=${() => onMove(item)} data-testid="cal-move"
      aria-label=${t('calendar.move_label', { title })} title=${t('calendar.move')}><${Icon} name="move" /></button>`}
  </div>`;
}

/* ---------- the page ---------- */

export function Calendar({ app }) {
  const q = app.route.query;
  const view = q.view === 'week' ? 'week' : 'month';
  const today = todayIn(app.tz);
  const date = isDate(q.date) ? q.date : today;
  const channel = q.channel || '';
  const state = CAL_STATES.includes(q.state) ? q.state : '';
  const { from, to } = range(view, date);
  const canMove = app.can('posts.schedule');

  const [items, setItems] = useState(null);
  const [ready, setReady] = useState(null);
  const [channels, setChannels] = useState([]);
  const [error, setError] = useState('');
  const [dragging, setDragging] = useState(null); // {kind: 'card'|'ready', id}
  const [over, setOver] = useState('');
  const [moving, setMoving] = useState(null);
  const [scheduling, setScheduling] = useState(null); // {post, date}
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api.get(wsPath(app.ws.id, '/channels')).then((r) => setChannels(r.channels || []), () => {});
  }, []);
  useEffect(() => {
    let live = true;
    api.get(wsPath(app.ws.id, `/calendar?from=${from}&to=${to}`)).then((r) => {
      if (live) {
        setItems(r.posts || []);
        setError('');
      }
    }, (e) => live && setError(errorText(e)));
    if (canMove) api.get(wsPath(app.ws.id, '/posts?state=approved&limit=20')).then((r) => live && setReady(r.posts || []), () => {});
    return () => { live = false; };
  }, [from, to, tick]);
  const reload = () => setTick((x) => x + 1);

  // Change the address (and so the view); the filters stay.
  const go = (over2) => {
    const p = { view, date, channel, state, ...over2 };
    const qs = new URLSearchParams();
    for (const k of ['view', 'date', 'channel', 'state']) if (p[k]) qs.set(k, p[k]);
    app.navigate(`/ws/${app.ws.id}/calendar?${qs}`);
  };
  const step = (n) => go({ date: view === 'week' ? addDays(mondayOf(date), 7 * n) : addMonths(date, n) });

  const shown = (items || []).filter((x) => (!channel || x.channels.some((c) => String(c.id) === channel)) && (!state || x.state === state));
  const byDay = {};
  for (const x of shown) (byDay[x.local.slice(0, 10)] = byDay[x.local.slice(0, 10)] || []).push(x);

  // Move a scheduled post to another day at the same local time (its own
  // time in its own zone, as it was scheduled).
  const move = async (item, day) => {
    const delta = daysBetween(item.local.slice(0, 10), day);
    if (!delta) return;
    const title = item.title || item.excerpt || t('content.untitled');
    const moved = { ...item, local: addDays(item.local.slice(0, 10), delta) + item.local.slice(10, 16) };
    setItems((list) => (list || []).map((x) => (x.id === item.id ? moved : x)));
    try {
      const full = (await api.get(postPath(app, item.id))).post;
      if (variantProblems(full)) throw new Error(t('calendar.move_blocked'));
      const chosen = (full.schedule && full.schedule.local) || item.local;
      const zone = (full.schedule && full.schedule.timezone) || item.chosen_timezone || app.tz;
      const local = addDays(chosen.slice(0, 10), delta) + chosen.slice(10, 16);
      await api.post(postPath(app, item.id, '/unschedule'));
      try {
        await api.post(postPath(app, item.id, '/schedule'), { local, timezone: zone });
      } catch (e) {
        // Put it back where it was.
        await api.post(postPath(app, item.id, '/schedule'), { local: chosen.slice(0, 16), timezone: zone }).catch(() => {});
        throw e;
      }
      toast(t('calendar.moved', { title, when: fmtLocal(moved.local) }), 'ok', { label: t('common.undo'), run: () => move(moved, item.local.slice(0, 10)) });
    } catch (e) {
      toast(e.code !== undefined ? errorText(e) : e.message, 'error');
    }
    reload();
  };

  const onDragStart = (e, item) => {
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', 'post:' + item.id);
    setDragging({ kind: 'card', id: item.id });
  };
  const onReadyDragStart = (e, p) => {
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', 'ready:' + p.id);
    setDragging({ kind: 'ready', id: p.id });
  };
  const onDragEnd = () => {
    setDragging(null);
    setOver('');
  };
  const dropProps = (day) => ({
    onDragOver: (e) => {
      if (!dragging || day < today) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      if (over !== day) setOver(day);
    },
    onDragLeave: (e) => {
      if (!e.currentTarget.contains(e.relatedTarget) && over === day) setOver('');
    },
    onDrop: (e) => {
      e.preventDefault();
      const data = e.dataTransfer.getData('text/plain') || '';
      setDragging(null);
      setOver('');
      const m = /^(post|ready):(\d+)$/.exec(data);
      if (!m) return;
      if (m[1] === 'post') {
        const item = (items || []).find((x) => String(x.id) === m[2]);
        if (item) move(item, day);
      } else {
        openSchedule(Number(m[2]), day);
      }
    },
  });
  const openSchedule = async (id, day) => {
    try {
      setScheduling({ post: (await api.get(postPath(app, id))).post, date: day });
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };

  const heading = view === 'month' ? monthTitle(date)
    : from.slice(0, 7) === to.slice(0, 7) ? `${Number(from.slice(8))}–${fmtDay(to)}` : `${fmtDay(from, { year: from.slice(0, 4) !== to.slice(0, 4) })} – ${fmtDay(to)}`;
  const month = date.slice(0, 7);

  const dayCell = (d) => {
    const list = byDay[d] || [];
    const cls = ['cal-day', d.slice(0, 7) !== month && view === 'month' ? 'other' : '', d === today ? 'today' : '', d < today ? 'past' : '',
      over === d ? 'drop' : '', list.length ? '' : 'no-posts'].filter(Boolean).join(' ');
    return html`<li key=${d} class=${cls} data-testid="cal-day" data-date=${d} ...${dropProps(d)}>
      <div class="cal-date">
        <span class="cal-wd">${weekdayShort(weekday(d))}</span>
        <span class="cal-num" aria-hidden="true">${Number(d.slice(8))}</span>
        <span class="visually-hidden">${fmtDay(d, { wd: true })}</span>
        ${list.length > 0 && html`<span class="visually-hidden">: ${tn('calendar.posts', list.length)}</span>`}
      </div>
      <div class="cal-cards">
        ${list.map((x) => html`<${PostCard} key=${x.id + '/' + (x.occurrence === null || x.occurrence === undefined ? '' : x.occurrence)} app=${app} item=${x} week=${view === 'week'} canMove=${canMove}
          onDragStart=${onDragStart} onDragEnd=${onDragEnd} onMove=${setMoving} />`)}
      </div>
    </li>`;
  };

  const days = daysOf(from, to);
  const empty = items !== null && shown.length === 0;

  return html`<div class="page page-wide" data-testid="page-calendar" data-view=${view} data-from=${from} data-to=${to}>
    <${PageHeader} title=${t('nav.calendar')} subtitle=${t('calendar.subtitle_tz', { zone: app.tz })}>
      <${PauseSwitch} app=${app} />
      ${app.can('posts.draft') && html`<a class="btn btn-primary" href=${app.base + '/compose'} data-testid="calendar-compose"><${Icon} name="compose" />${t('postlist.new')}</a>`}
    </${PageHeader}>
    <${ContentTabs} app=${app} current="calendar" />
    <${PauseBanner} app=${app} />
    <div class="cal-toolbar">
      <div class="cal-nav">
        <button type="button" class="icon-btn" onClick=${() => step(-1)} aria-label=${t(view === 'week' ? 'calendar.prev_week' : 'calendar.prev_month')} data-testid="cal-prev"><${Icon} name="prev" /></button>
        <button type="button" class="btn btn-secondary btn-sm" onClick=${() => go({ date: today })} data-testid="cal-today">${t('calendar.today')}</button>
        <button type="button" class="icon-btn" onClick=${() => step(1)} aria-label=${t(view === 'week' ? 'calendar.next_week' : 'calendar.next_month')} data-testid="cal-next"><${Icon} name="next" /></button>
        <h2 class="cal-title" data-testid="cal-title" aria-live="polite">${heading}</h2>
      </div>
      <div class="cal-filters">
        <label class="visually-hidden" for="cal-channel">${t('calendar.channel_filter')}</label>
        <select id="cal-channel" class="select-compact" value=${channel} onChange=${(e) => go({ channel: e.currentTarget.value })} data-testid="cal-channel">
          <option value="">${t('calendar.all_channels')}</option>
          ${channels.map((c) => html`<option key=${c.id} value=${String(c.id)}>${networkName(c.network)} · ${c.name}</option>`)}
        </select>
        <label class="visually-hidden" for="cal-state">${t('calendar.state_filter')}</label>
        <select id="cal-state" class="select-compact" value=${state} onChange=${(e) => go({ state: e.currentTarget.value })} data-testid="cal-state">
          <option value="">${t('calendar.all_states')}</option>
          ${CAL_STATES.map((s) => html`<option key=${s} value=${s}>${stateName(s)}</option>`)}
        </select>
        <div class="seg" role="group" aria-label=${t('calendar.view')}>
          <button type="button" class="seg-btn" aria-pressed=${view === 'month'} onClick=${() => go({ view: 'month' })} data-testid="view-month">${t('calendar.month')}</button>
          <button type="button" class="seg-btn" aria-pressed=${view === 'week'} onClick=${() => go({ view: 'week' })} data-testid="view-week">${t('calendar.week')}</button>
        </div>
      </div>
    </div>
    ${error && html`<${Alert}>${error}<//>`}
    ${empty && html`<div class="alert alert-info cal-empty" role="status" data-testid="calendar-empty">
      <${Icon} name="calendar" />
      <div><strong>${t(view === 'week' ? 'calendar.empty_week' : 'calendar.empty_month', { month: monthTitle(date) })}</strong>
        <p>${channel || state ? t('calendar.empty_filtered') : t(app.can('posts.draft') ? 'calendar.empty_hint' : 'calendar.empty_hint_read')}</p></div>
    </div>`}
    <div class="cal-layout">
      <div class=${'cal cal-' + view}>
        ${items === null ? html`<${Spinner} />` : html`
          <div class="cal-head" aria-hidden="true">${[1, 2, 3, 4, 5, 6, 0].map((i) => html`<span key=${i}>${weekdayShort(i)}</span>`)}</div>
          <ol class="cal-grid" data-testid="cal-grid" aria-label=${heading}>${days.map(dayCell)}</ol>`}
        ${canMove && html`<p class="muted small cal-help">${t('calendar.drag_help')}</p>`}
      </div>
      ${canMove && html`<aside class="cal-side card" aria-labelledby="cal-ready-h" data-testid="cal-ready">
        <h2 id="cal-ready-h">${t('calendar.ready_title')}</h2>
        <p class="muted small">${t('calendar.ready_sub')}</p>
        ${ready === null ? html`<${Spinner} />` : ready.length === 0 ? html`<p class="muted small empty-line">${t('calendar.ready_none')}</p>`
          : html`<ul class="ready-list">${ready.map((p) => html`<li key=${p.id} class="ready-item" draggable="true" data-testid="ready-item" data-id=${p.id}
              onDragStart=${(e) => onReadyDragStart(e, p)} onDragEnd=${onDragEnd}>
              <a href=${`${app.base}/posts/${p.id}`}>${p.title || t('content.untitled')}</a>
              <button type="button" class="btn btn-ghost btn-sm" onClick=${() => openSchedule(p.id, date >= today ? date : today)} data-testid="ready-schedule"
                aria-label=${t('calendar.schedule_label', { title: p.title || t('content.untitled') })}><${Icon} name="clock" />${t('compose.schedule')}</button>
            </li>`)}</ul>`}
        <p class="cal-side-links small">
          <a href=${app.base + '/posts?state=draft'}>${t('calendar.see_drafts')}</a>
          <a href=${app.base + '/approvals'}>${t('calendar.see_approvals')}</a>
        </p>
      </aside>`}
    </div>
    ${moving && html`<${MoveDialog} app=${app} item=${moving} onMove=${move} onClose=${() => setMoving(null)} />`}
    ${scheduling && html`<${ScheduleDialog} app=${app} post=${scheduling.post} date=${scheduling.date}
      onDone=${() => reload()} onClose=${() => setScheduling(null)} />`}
  </div>`;
}
