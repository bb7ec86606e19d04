// audit: the workspace's audit log for owners — who did what, when (in the
// workspace's time zone), with the before/after of each change.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, has, errorText, fmtDateTime } from '../i18n.js';
import { PageHeader, Card, Alert, Spinner, EmptyState } from '../ui.js';
import { SettingsTabs } from './settings.js';

const PAGE = 50;

function show(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') {
    if (v.label || v.name || v.email) return v.label || v.name || v.email;
    if (v.type && v.id !== undefined) return `${v.type} ${v.id}`;
    return JSON.stringify(v);
  }
  return String(v);
}

function pretty(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch (e) {
      return v;
    }
  }
  return JSON.stringify(v, null, 2);
}

export function Audit({ app }) {
  const [entries, setEntries] = useState(null);
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [open, setOpen] = useState(null);
  const [people, setPeople] = useState({});

  const load = async (before) => {
    setBusy(true);
    try {
      const q = `?limit=${PAGE}` + (before ? `&before=${encodeURIComponent(before)}` : '');
      const r = await api.get(wsPath(app.ws.id, '/audit' + q));
      const list = r.entries || [];
      setEntries((old) => (before && old ? [...old, ...list] : list));
      setMore(list.length === PAGE);
    } catch (e) {
      setError(errorText(e));
      setEntries((old) => old || []);
    }
    setBusy(false);
  };

  useEffect(() => {
    load();
    api.get(wsPath(app.ws.id, '/members')).then((r) => {
      const map = {};
      for (const m of r.members || []) map[String(m.user_id)] = m.name || m.email;
      setPeople(map);
    }, () => {});
  }, []);

  // "user:7" -> the member's name, "workspace:1" -> this workspace's name.
  const target = (v) => {
    const m = /^(user|workspace):(\d+)$/.exec(typeof v === 'string' ? v : '');
    if (m && m[1] === 'user' && people[m[2]]) return people[m[2]];
    if (m && m[1] === 'workspace' && m[2] === String(app.ws.id)) return app.ws.name;
    return show(v);
  };
  const actor = (a) => (typeof a === 'number' || /^\d+$/.test(String(a)) ? people[String(a)] || `#${a}` : show(a));
  const action = (a) => (has('audit.action.' + a) ? t('audit.action.' + a) : a);

  return html`<div class="page" data-testid="page-audit">
    <${PageHeader} title=${t('audit.title')} subtitle=${t('audit.subtitle', { tz: app.tz })} />
    <${SettingsTabs} app=${app} current="audit" />
    ${error && html`<${Alert}>${error}<//>`}
    ${entries === null ? html`<${Spinner} />` : entries.length === 0
      ? html`<${EmptyState} icon="audit" title=${t('audit.empty_title')} body=${t('audit.empty_body')} testid="audit-empty" />`
      : html`<${Card} testid="audit-log">
        <div class="table-wrap"><table class="table audit">
          <thead><tr>
            <th scope="col">${t('audit.when')}</th>
            <th scope="col">${t('audit.who')}</th>
            <th scope="col">${t('audit.action')}</th>
            <th scope="col" class="hide-sm">${t('audit.target')}</th>
            <th scope="col"><span class="visually-hidden">${t('audit.details')}</span></th>
          </tr></thead>
          <tbody>${entries.map((e) => html`
            <tr key=${e.id} data-testid="audit-row" data-action=${e.action}>
              <td class="nowrap muted">${fmtDateTime(e.created_at, app.tz)}</td>
              <td>${actor(e.actor)}</td>
              <td><span class="badge" title=${e.action}>${action(e.action)}</span></td>
              <td class="hide-sm" title=${typeof e.target === 'string' ? e.target : undefined}>${target(e.target)}</td>
              <td class="cell-actions">
                <button type="button" class="btn btn-ghost btn-sm" aria-expanded=${open === e.id} data-testid="audit-details"
                  onClick=${() => setOpen(open === e.id ? null : e.id)}>${open === e.id ? t('audit.hide') : t('audit.show')}</button>
              </td>
            </tr>
            ${open === e.id && html`<tr class="audit-detail" key=${e.id + '-d'} data-testid="audit-detail"><td colspan="5">
              <div class="diff">
                <div><h3>${t('audit.before')}</h3><pre>${pretty(e.before)}</pre></div>
                <div><h3>${t('audit.after')}</h3><pre>${pretty(e.after)}</pre></div>
              </div>
              <p class="muted small">${t('audit.request')} <code>${e.request_id || '—'}</code></p>
            </td></tr>`}
          `)}</tbody>
        </table></div>
        ${more && html`<div class="card-foot"><button type="button" class="btn btn-secondary" disabled=${busy}
          onClick=${() => load(entries[entries.length - 1].id)} data-testid="audit-more">${t('audit.more')}</button></div>`}
      <//>`}
  </div>`;
}
