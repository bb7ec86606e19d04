// posts: every post of the workspace, newest first, filtered by state
// (?state=draft in the address, so a filter can be bookmarked).
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, errorText, fmtDateTime } from '../i18n.js';
import { PageHeader, Alert, Spinner, Icon, EmptyState } from '../ui.js';
import { ContentTabs, StateBadge, STATES, stateName, fmtLocal } from './content.js';

const PAGE = 30;
const FILTERS = ['', 'draft', 'in_review', 'approved', 'scheduled', 'published', 'canceled'];

export function Posts({ app }) {
  const state = STATES.includes(app.route.query.state) ? app.route.query.state : '';
  const [posts, setPosts] = useState(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');

  const load = async (before) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (state) q.set('state', state);
    if (before) q.set('before', String(before));
    try {
      const r = await api.get(wsPath(app.ws.id, '/posts?' + q));
      const list = r.posts || [];
      setPosts((old) => (before && old ? [...old, ...list] : list));
      setMore(list.length === PAGE);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    setPosts(null);
    load(0);
  }, [state]);

  const filterHref = (s) => `${app.base}/posts${s ? '?state=' + s : ''}`;

  return html`<div class="page" data-testid="page-posts">
    <${PageHeader} title=${t('postlist.title')} subtitle=${t('postlist.subtitle', { workspace: app.ws.name })}>
      ${app.can('posts.draft') && html`<a class="btn btn-primary" href=${app.base + '/compose'} data-testid="posts-compose"><${Icon} name="compose" />${t('postlist.new')}</a>`}
    </${PageHeader}>
    <${ContentTabs} app=${app} current="posts" />
    <nav class="chips" aria-label=${t('postlist.filter')} data-testid="posts-filter">
      ${FILTERS.map((s) => html`<a key=${s || 'all'} href=${filterHref(s)} class=${'chip' + (s === state ? ' on' : '')}
        aria-current=${s === state ? 'true' : undefined} data-testid=${'filter-' + (s || 'all')}>${s ? stateName(s) : t('postlist.all')}</a>`)}
    </nav>
    ${error && html`<${Alert}>${error}<//>`}
    ${posts === null ? html`<${Spinner} />` : posts.length === 0
      ? html`<${EmptyState} icon="compose" title=${t(state ? 'postlist.none_state_title' : 'postlist.none_title', { state: stateName(state) })}
          body=${t(app.can('posts.draft') ? 'postlist.none_body' : 'postlist.none_body_read')} testid="posts-empty">
          ${app.can('posts.draft') && html`<a class="btn btn-primary" href=${app.base + '/compose'}>${t('postlist.new')}</a>`}<//>`
      : html`<ul class="post-list card" data-testid="post-list">
        ${posts.map((p) => html`<li key=${p.id} class="post-row" data-testid="post-row" data-id=${p.id} data-state=${p.state}>
          <a href=${`${app.base}/posts/${p.id}`} class="post-row-main">
            <span class="post-row-title">${p.title || t('content.untitled')}</span>
            <span class="post-row-text muted">${(p.master_text || '').slice(0, 160) || t('content.no_text')}</span>
          </a>
          <div class="post-row-meta">
            <${StateBadge} state=${p.state} />
            <span class="muted small">${p.schedule ? fmtLocal(p.schedule.local) : t('postlist.updated', { when: fmtDateTime(p.updated_at, app.tz) })}</span>
          </div>
        </li>`)}
      </ul>`}
    ${more && html`<div class="card-foot"><button type="button" class="btn btn-secondary" data-testid="posts-more"
      onClick=${() => load(posts[posts.length - 1].id)}>${t('postlist.more')}</button></div>`}
  </div>`;
}
