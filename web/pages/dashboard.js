// dashboard: the workspace at a glance — who you are here, its time zone,
// the team, KPI tiles (empty until channels report) and first steps.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, tn, roleName, fmtTime, currencyName, errorText, LANGUAGES } from '../i18n.js';
import { PageHeader, Card, Icon, Avatar, Alert } from '../ui.js';
import { PauseSwitch, PauseBanner } from './publishing.js';

const KPIS = [
  { id: 'reach', label: 'dashboard.kpi_reach', icon: 'spark' },
  { id: 'engagement', label: 'dashboard.kpi_engagement', icon: 'analytics' },
  { id: 'followers', label: 'dashboard.kpi_followers', icon: 'team' },
  { id: 'clicks', label: 'dashboard.kpi_clicks', icon: 'compose' },
  { id: 'leads', label: 'dashboard.kpi_leads', icon: 'leads' },
  { id: 'published', label: 'dashboard.kpi_published', icon: 'calendar' },
];

function greeting(tz) {
  let h = 12;
  try {
    h = Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: tz }).format(new Date()));
  } catch (e) {
    /* noon */
  }
  if (h < 12 && h >= 5) return 'dashboard.greeting_morning';
  if (h >= 12 && h < 18) return 'dashboard.greeting_afternoon';
  return 'dashboard.greeting_evening';
}

export function Dashboard({ app }) {
  const { ws, tz } = app;
  const [members, setMembers] = useState(null);
  const [error, setError] = useState('');
  const [now, setNow] = useState(new Date());
  const [review, setReview] = useState(null);

  useEffect(() => {
    api.get(wsPath(ws.id, '/members')).then((r) => setMembers(r.members || []), (e) => setError(errorText(e)));
    // Those who approve start the day with what waits for them.
    if (app.can('posts.approve')) api.get(wsPath(ws.id, '/posts?state=in_review&limit=100')).then((r) => setReview(r.posts || []), () => {});
    const timer = setInterval(() => setNow(new Date()), 30000);
    return () => clearInterval(timer);
  }, []);

  const first = String(app.me.user.name || '').split(/\s+/)[0];
  const langLabel = (LANGUAGES.find((l) => l.code === ws.language) || { label: ws.language }).label;
  const steps = [
    { key: 'dashboard.step_team', done: members && members.length > 1, to: 'team' },
    { key: 'dashboard.step_settings', done: !!(ws.timezone && ws.currency), to: 'settings' },
    { key: 'dashboard.step_strategy', done: false, to: 'strategy' },
    { key: 'dashboard.step_channels', done: false, to: null },
  ];

  return html`<div class="page" data-testid="page-dashboard">
    <${PageHeader} title=${t(greeting(tz), { name: first })} subtitle=${t('dashboard.subtitle', { workspace: ws.name })}>
      <${PauseSwitch} app=${app} />
    </${PageHeader}>
    <${PauseBanner} app=${app} />
    ${error && html`<${Alert}>${error}<//>`}
    ${review && review.length > 0 && html`<section class="card review-card" data-testid="dash-approvals">
      <div class="review-card-text">
        <span class="review-card-icon" aria-hidden="true"><${Icon} name="eye" /></span>
        <div>
          <h2 data-testid="dash-approvals-count">${tn('dashboard.review_count', review.length)}</h2>
          <p class="muted small">${review.slice(0, 3).map((p) => p.title || t('content.untitled')).join(' · ')}</p>
        </div>
      </div>
      <a class="btn btn-primary" href=${`${app.base}/approvals`} data-testid="dash-approvals-open">${t('dashboard.review_open')}</a>
    </section>`}
    <div class="dash-grid">
      <${Card} cls="ws-card" testid="dash-workspace">
        <div class="ws-card-head">
          <${Avatar} name=${ws.name} seed=${ws.slug} size="avatar-square avatar-lg" />
          <div>
            <h2 data-testid="dash-ws-name">${ws.name}</h2>
            <p class="muted small">${t('dashboard.your_role')} <span class="badge badge-accent" data-testid="dash-role">${roleName(app.role)}</span></p>
          </div>
        </div>
        <dl class="facts">
          <div><dt>${t('settings.timezone')}</dt><dd data-testid="dash-timezone">${tz}</dd></div>
          <div><dt>${t('dashboard.local_time')}</dt><dd data-testid="dash-local-time">${fmtTime(now, tz)}</dd></div>
          <div><dt>${t('dashboard.team_size')}</dt><dd data-testid="dash-team-size">${members ? tn('dashboard.members', members.length) : '…'}</dd></div>
          <div><dt>${t('settings.language')}</dt><dd>${langLabel}</dd></div>
          <div><dt>${t('settings.currency')}</dt><dd>${ws.currency}${currencyName(ws.currency) ? ' · ' + currencyName(ws.currency) : ''}</dd></div>
        </dl>
      </${Card}>
      <${Card} title=${t('dashboard.start_title')} subtitle=${t('dashboard.start_sub')} cls="start-card" testid="dash-start">
        <ol class="steps">
          ${steps.map((s) => html`<li key=${s.key} class=${s.done ? 'done' : ''}>
            <span class="step-mark" aria-hidden="true">${s.done ? html`<${Icon} name="check" />` : ''}</span>
            ${s.to ? html`<a href=${`${app.base}/${s.to}`}>${t(s.key)}</a>` : html`<span>${t(s.key)}</span>`}
            ${s.done ? html`<span class="visually-hidden">${t('dashboard.step_done')}</span>` : !s.to ? html`<span class="badge">${t('common.soon')}</span>` : ''}
          </li>`)}
        </ol>
      </${Card}>
    </div>
    <h2 class="section-title">${t('dashboard.kpi_title')}</h2>
    <p class="section-sub muted">${t('dashboard.kpi_sub')}</p>
    <div class="kpis" data-testid="kpis">
      ${KPIS.map((k) => html`<div class="kpi card" key=${k.id} data-testid=${'kpi-' + k.id}>
        <div class="kpi-head"><span>${t(k.label)}</span><${Icon} name=${k.icon} /></div>
        <div class="kpi-value" aria-label=${t('dashboard.no_data')}>—</div>
        <div class="kpi-foot muted small">${t('dashboard.no_data')}</div>
      </div>`)}
    </div>
  </div>`;
}
