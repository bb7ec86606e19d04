// placeholder: calm empty states for the screens that later issues fill
// (inbox, leads, analytics, campaigns, strategy).
import { html } from '/vendor/htm-preact.js';
import { t } from '../i18n.js';
import { PageHeader, Icon } from '../ui.js';

// Per page: catalog keys and where "what to do next" leads.
const PAGES = {
  inbox: { icon: 'inbox', title: 'nav.inbox', sub: 'inbox.subtitle', head: 'inbox.empty_title', body: 'inbox.empty_body',
    points: ['inbox.point1', 'inbox.point2', 'inbox.point3'], next: 'inbox.next', action: 'inbox.action', to: 'team' },
  leads: { icon: 'leads', title: 'nav.leads', sub: 'leads.subtitle', head: 'leads.empty_title', body: 'leads.empty_body',
    points: ['leads.point1', 'leads.point2', 'leads.point3'], next: 'leads.next', action: 'leads.action', to: 'inbox' },
  analytics: { icon: 'analytics', title: 'nav.analytics', sub: 'analytics.subtitle', head: 'analytics.empty_title', body: 'analytics.empty_body',
    points: ['analytics.point1', 'analytics.point2', 'analytics.point3'], next: 'analytics.next', action: 'analytics.action', to: 'settings' },
  campaigns: { icon: 'campaigns', title: 'nav.campaigns', sub: 'campaigns.subtitle', head: 'campaigns.empty_title', body: 'campaigns.empty_body',
    points: ['campaigns.point1', 'campaigns.point2', 'campaigns.point3'], next: 'campaigns.next', action: 'campaigns.action', to: 'settings' },
  strategy: { icon: 'strategy', title: 'nav.strategy', sub: 'strategy.subtitle', head: 'strategy.empty_title', body: 'strategy.empty_body',
    points: ['strategy.point1', 'strategy.point2', 'strategy.point3'], next: 'strategy.next', action: 'strategy.action', to: 'team' },
};

export function Placeholder({ page, app }) {
  const p = PAGES[page];
  if (!p) return null;
  const target = p.to === 'inbox' && !app.can('inbox.read') ? 'dashboard' : p.to;
  return html`<div class="page" data-testid=${'page-' + page}>
    <${PageHeader} title=${t(p.title)} subtitle=${t(p.sub)} />
    <section class="card empty empty-card" data-testid="empty-state">
      <div class="empty-art" aria-hidden="true"><${Icon} name=${p.icon} /></div>
      <h2>${t(p.head)}</h2>
      <p class="empty-body">${t(p.body)}</p>
      <ul class="empty-points">
        ${p.points.map((k) => html`<li key=${k}><${Icon} name="check" /><span>${t(k)}</span></li>`)}
      </ul>
      <div class="empty-next">
        <p><strong>${t('common.next_step')}</strong> ${t(p.next)}</p>
        <a class="btn btn-primary" href=${`${app.base}/${target}`} data-testid="empty-action">${t(target === 'dashboard' ? 'shell.go_dashboard' : p.action)}</a>
      </div>
    </section>
  </div>`;
}
