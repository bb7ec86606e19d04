// approvals: the posts waiting for review, each with its networks and the
// note it was submitted with; those who may approve do it from here.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, tn, errorText, fmtDateTime } from '../i18n.js';
import { PageHeader, Alert, Spinner, Icon, EmptyState, toast } from '../ui.js';
import { ContentTabs, NetBadge, ChangesDialog, approvePost, postPath } from './content.js';

export function Approvals({ app }) {
  const [posts, setPosts] = useState(null);
  const [error, setError] = useState('');
  const [asking, setAsking] = useState(null);
  const [busy, setBusy] = useState(0);
  const may = app.can('posts.approve');

  const load = async () => {
    try {
      const r = await api.get(wsPath(app.ws.id, '/posts?state=in_review&limit=100'));
      // The list has no variants or comments: fetch each post for them.
      const full = await Promise.all((r.posts || []).map((p) => api.get(postPath(app, p.id)).then((x) => x.post, () => p)));
      setPosts(full);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => { load(); }, []);

  const done = (p) => setPosts((list) => list.filter((x) => x.id !== p.id));
  const approve = async (p) => {
    setBusy(p.id);
    try {
      done(await approvePost(app, p));
    } catch (e) {
      toast(errorText(e), 'error');
    }
    setBusy(0);
  };

  return html`<div class="page" data-testid="page-approvals">
    <${PageHeader} title=${t('approvals.title')} subtitle=${may ? t('approvals.subtitle_approver') : t('approvals.subtitle')} />
    <${ContentTabs} app=${app} current="approvals" reviewCount=${posts ? posts.length : 0} />
    ${error && html`<${Alert}>${error}<//>`}
    ${posts === null ? html`<${Spinner} />` : posts.length === 0
      ? html`<${EmptyState} icon="check" title=${t('approvals.empty_title')} body=${t(may ? 'approvals.empty_body_approver' : 'approvals.empty_body')} testid="approvals-empty">
          <a class="btn btn-secondary" href=${app.base + '/calendar'}>${t('approvals.open_calendar')}</a><//>`
      : html`<p class="muted section-sub" data-testid="approvals-count">${tn('approvals.count', posts.length)}</p>
        <ul class="approval-list">${posts.map((p) => {
          const sub = [...(p.comments || [])].reverse().find((c) => c.kind === 'submit');
          return html`<li key=${p.id} class="card approval" data-testid="approval-item" data-id=${p.id}>
            <div class="approval-head">
              <h2><a href=${`${app.base}/posts/${p.id}`} data-testid="approval-open">${p.title || t('content.untitled')}</a></h2>
              <span class="approval-nets">${(p.variants || []).map((v) => html`<${NetBadge} key=${v.id} network=${v.channel.network} />`)}</span>
            </div>
            <p class="approval-text">${p.master_text || t('content.no_text')}</p>
            ${sub && html`<p class="approval-note muted small" data-testid="approval-note"><${Icon} name="send" />
              <span>${t('approvals.submitted_by', { name: sub.author, when: fmtDateTime(sub.created_at, app.tz) })}${sub.body ? ': “' + sub.body + '”' : ''}</span></p>`}
            <div class="approval-actions">
              <a class="btn btn-ghost btn-sm" href=${`${app.base}/posts/${p.id}`}><${Icon} name="eye" />${t('approvals.see_previews')}</a>
              ${may && html`<button type="button" class="btn btn-secondary btn-sm" onClick=${() => setAsking(p)} disabled=${busy === p.id}
                data-testid="approval-changes" aria-label=${t('approvals.request_changes_for', { title: p.title || t('content.untitled') })}>
                <${Icon} name="undo" />${t('approvals.request_changes')}</button>`}
              ${may && html`<button type="button" class="btn btn-primary btn-sm" onClick=${() => approve(p)} disabled=${busy === p.id}
                data-testid="approval-approve" aria-label=${t('approvals.approve_for', { title: p.title || t('content.untitled') })}>
                <${Icon} name="check" />${t('approvals.approve')}</button>`}
            </div>
          </li>`;
        })}</ul>`}
    ${asking && html`<${ChangesDialog} app=${app} post=${asking} onDone=${done} onClose=${() => setAsking(null)} />`}
  </div>`;
}
