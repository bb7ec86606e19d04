// team: the members of a workspace and their roles (owners add, change and
// remove), API tokens (owners), and the read-only role x permission matrix.
import { html, useState, useEffect, useRef } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, tn, roleName, permName, errorText, fmtDate, fmtDateTime } from '../i18n.js';
import { PageHeader, Card, Field, Alert, Avatar, Confirm, Icon, Spinner, toast } from '../ui.js';
import { SettingsTabs } from './settings.js';

const ROLES = ['owner', 'strategist', 'content_manager', 'community_manager', 'analyst', 'campaign_manager', 'creative', 'client_approver'];

// Route field errors to the form's fields, anything else to the form.
function formErrors(err, fields) {
  const f = err.fieldName;
  return fields.includes(f) ? { [f]: errorText(err) } : { form: errorText(err) };
}

function AddMember({ app, roleOptions, onAdded }) {
  const empty = { email: '', name: '', role: 'content_manager', password: '' };
  const [f, setF] = useState(empty);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setF((o) => ({ ...o, [k]: v }));

  const submit = async (e) => {
    e.preventDefault();
    if (!f.email.trim()) {
      setErrors({ email: t('errors.field.required') });
      return;
    }
    const body = { email: f.email.trim(), role: f.role };
    if (f.name.trim()) body.name = f.name.trim();
    if (f.password) body.password = f.password;
    setBusy(true);
    setErrors({});
    try {
      const r = await api.post(wsPath(app.ws.id, '/members'), body);
      const m = (r && r.member) || body;
      toast(t('team.added', { name: m.name || m.email, role: roleName(m.role) }));
      setF(empty);
      onAdded(m);
    } catch (err) {
      setErrors(formErrors(err, ['email', 'name', 'role', 'password']));
    }
    setBusy(false);
  };

  return html`<${Card} title=${t('team.add_title')} subtitle=${t('team.add_sub', { workspace: app.ws.name })} testid="member-add">
    <form class="form-grid" onSubmit=${submit} novalidate data-testid="add-form">
      ${errors.form && html`<div class="span-all"><${Alert} testid="add-error">${errors.form}<//></div>`}
      <${Field} label=${t('team.email')} type="email" autocomplete="off" value=${f.email} onValue=${set('email')}
        error=${errors.email} testid="add-email" required />
      <${Field} label=${t('team.name')} autocomplete="off" value=${f.name} onValue=${set('name')} error=${errors.name}
        hint=${t('team.name_hint')} testid="add-name" />
      <${Field} kind="select" label=${t('team.role')} value=${f.role} onValue=${set('role')} options=${roleOptions}
        error=${errors.role} testid="add-role" />
      <${Field} label=${t('team.password')} type="password" autocomplete="new-password" value=${f.password}
        onValue=${set('password')} error=${errors.password} hint=${t('team.password_hint')} testid="add-password" />
      <div class="form-actions span-all">
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="add-submit">
          <${Icon} name="plus" />${t('team.add_submit')}</button>
      </div>
    </form>
  <//>`;
}

function MemberList({ app, members, roleOptions, onChanged }) {
  const admin = app.can('workspace.admin');
  const [removing, setRemoving] = useState(null);

  const changeRole = async (m, role, select) => {
    const old = m.role;
    try {
      const r = await api.patch(wsPath(app.ws.id, `/members/${m.user_id}`), { role });
      toast(t('team.role_changed', { name: m.name || m.email, role: roleName((r && r.member && r.member.role) || role) }));
      onChanged();
      if (String(m.user_id) === String(app.me.user.id)) app.reloadWorkspace();
    } catch (err) {
      select.value = old;
      toast(errorText(err), 'error');
    }
  };

  return html`<${Card} title=${t('team.members_title')} subtitle=${tn('team.count', members.length)} testid="member-list">
    <div class="table-wrap">
      <table class="table members">
        <thead><tr>
          <th scope="col">${t('team.member')}</th>
          <th scope="col">${t('team.role')}</th>
          <th scope="col" class="hide-sm">${t('team.since')}</th>
          ${admin && html`<th scope="col"><span class="visually-hidden">${t('team.actions')}</span></th>`}
        </tr></thead>
        <tbody>
          ${members.map((m) => {
            const you = String(m.user_id) === String(app.me.user.id);
            return html`<tr key=${m.user_id} data-testid="member-row" data-email=${m.email} data-role=${m.role}>
              <td>
                <div class="who">
                  <${Avatar} name=${m.name || m.email} seed=${m.email} />
                  <div class="who-text">
                    <span class="who-name" data-testid="member-name">${m.name || m.email}${you && html` <span class="badge">${t('team.you')}</span>`}</span>
                    <span class="muted small" data-testid="member-email">${m.email}</span>
                  </div>
                </div>
              </td>
              <td>
                ${admin
                  ? html`<label class="visually-hidden" for=${'role-' + m.user_id}>${t('team.role_for', { name: m.name || m.email })}</label>
                    <select id=${'role-' + m.user_id} class="select-compact" value=${m.role} data-testid=${'member-role-' + m.user_id}
                      onChange=${(e) => changeRole(m, e.currentTarget.value, e.currentTarget)}>
                      ${roleOptions.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
                    </select>`
                  : html`<span class="badge badge-role" data-testid="member-role-label">${roleName(m.role)}</span>`}
              </td>
              <td class="hide-sm muted">${fmtDate(m.created_at, app.tz)}</td>
              ${admin && html`<td class="cell-actions">
                <button type="button" class="btn btn-ghost btn-sm btn-danger-text" data-testid=${'member-remove-' + m.user_id}
                  onClick=${() => setRemoving(m)} aria-label=${t('team.remove_label', { name: m.name || m.email })}>
                  <${Icon} name="trash" /><span class="hide-sm">${t('team.remove')}</span></button>
              </td>`}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${removing && html`<${Confirm}
      title=${t('team.remove_title', { name: removing.name || removing.email })}
      message=${t('team.remove_body', { workspace: app.ws.name })}
      confirmLabel=${t('team.remove')}
      onClose=${() => setRemoving(null)}
      onConfirm=${async () => {
        await api.del(wsPath(app.ws.id, `/members/${removing.user_id}`));
        toast(t('team.removed', { name: removing.name || removing.email }));
        onChanged();
      }} />`}
  <//>`;
}

const STATUS_LABEL = { active: 'tokens.status_active', revoked: 'tokens.status_revoked', expired: 'tokens.status_expired' };

function tokenStatus(tok) {
  if (tok.revoked_at) return 'revoked';
  if (tok.expires_at && Date.parse(tok.expires_at) < Date.now()) return 'expired';
  return 'active';
}

function Tokens({ app, roleOptions }) {
  const [tokens, setTokens] = useState(null);
  const [f, setF] = useState({ name: '', role: 'analyst', days: '' });
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState(null);
  const secretRef = useRef(null);
  const set = (k) => (v) => setF((o) => ({ ...o, [k]: v }));

  const load = () => api.get(wsPath(app.ws.id, '/tokens')).then((r) => setTokens(r.tokens || []), (e) => setErrors({ form: errorText(e) }));
  useEffect(() => { load(); }, []);

  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!f.name.trim()) errs.name = t('errors.field.required');
    const days = f.days === '' ? null : Number(f.days);
    if (days !== null && (!Number.isInteger(days) || days < 1)) errs.expires_in_days = t('tokens.days_invalid');
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body = { name: f.name.trim(), role: f.role };
    if (days !== null) body.expires_in_days = days;
    setBusy(true);
    try {
      const r = await api.post(wsPath(app.ws.id, '/tokens'), body);
      setCreated({ name: body.name, secret: r.secret });
      setCopied(false);
      setF({ name: '', role: 'analyst', days: '' });
      toast(t('tokens.created', { name: body.name }));
      load();
    } catch (err) {
      setErrors(formErrors(err, ['name', 'role', 'expires_in_days']));
    }
    setBusy(false);
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
    } catch (e) {
      secretRef.current.select();
      document.execCommand('copy');
    }
    setCopied(true);
  };

  return html`<${Card} title=${t('tokens.title')} subtitle=${t('tokens.sub')} testid="tokens">
    ${created && html`<div class="secret-box" data-testid="token-created">
      <p><strong>${t('tokens.secret_title', { name: created.name })}</strong></p>
      <p class="muted small">${t('tokens.secret_once')}</p>
      <div class="secret-row">
        <label class="visually-hidden" for="token-secret">${t('tokens.secret_label')}</label>
        <input id="token-secret" class="mono" readonly value=${created.secret} ref=${secretRef} data-testid="token-secret"
          onFocus=${(e) => e.currentTarget.select()} />
        <button type="button" class="btn btn-secondary" onClick=${copy} data-testid="token-copy">
          <${Icon} name=${copied ? 'check' : 'copy'} />${copied ? t('tokens.copied') : t('tokens.copy')}</button>
      </div>
      <button type="button" class="btn btn-ghost btn-sm" onClick=${() => setCreated(null)} data-testid="token-dismiss">${t('tokens.dismiss')}</button>
    </div>`}
    <form class="form-grid form-grid-3" onSubmit=${submit} novalidate data-testid="token-form">
      ${errors.form && html`<div class="span-all"><${Alert}>${errors.form}<//></div>`}
      <${Field} label=${t('tokens.name')} value=${f.name} onValue=${set('name')} error=${errors.name}
        hint=${t('tokens.name_hint')} testid="token-name" autocomplete="off" />
      <${Field} kind="select" label=${t('tokens.role')} value=${f.role} onValue=${set('role')} options=${roleOptions}
        error=${errors.role} testid="token-role" />
      <${Field} label=${t('tokens.days')} type="number" min="1" inputmode="numeric" value=${f.days} onValue=${set('days')}
        error=${errors.expires_in_days} hint=${t('tokens.days_hint')} testid="token-days" />
      <div class="form-actions span-all">
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="token-create">
          <${Icon} name="key" />${t('tokens.create')}</button>
      </div>
    </form>
    ${tokens === null ? html`<${Spinner} />` : tokens.length === 0
      ? html`<p class="muted empty-line" data-testid="tokens-empty">${t('tokens.none')}</p>`
      : html`<div class="table-wrap"><table class="table" data-testid="token-list">
        <thead><tr>
          <th scope="col">${t('tokens.name')}</th>
          <th scope="col">${t('tokens.role')}</th>
          <th scope="col" class="hide-sm">${t('tokens.created_at')}</th>
          <th scope="col" class="hide-sm">${t('tokens.last_used')}</th>
          <th scope="col">${t('tokens.status')}</th>
          <th scope="col"><span class="visually-hidden">${t('team.actions')}</span></th>
        </tr></thead>
        <tbody>${tokens.map((tok) => {
          const st = tokenStatus(tok);
          return html`<tr key=${tok.id} data-testid="token-row" data-name=${tok.name} data-status=${st}>
            <td><div class="who-text"><span class="who-name">${tok.name}</span><code class="muted small">${tok.prefix}…</code></div></td>
            <td>${roleName(tok.role)}</td>
            <td class="hide-sm muted">${fmtDateTime(tok.created_at, app.tz)}</td>
            <td class="hide-sm muted">${tok.last_used_at ? fmtDateTime(tok.last_used_at, app.tz) : t('tokens.never')}</td>
            <td><span class=${'badge badge-' + st}>${t(STATUS_LABEL[st])}</span>
              ${tok.expires_at && st === 'active' ? html`<span class="muted small block">${t('tokens.expires', { date: fmtDate(tok.expires_at, app.tz) })}</span>` : ''}</td>
            <td class="cell-actions">${st === 'active' && html`<button type="button" class="btn btn-ghost btn-sm btn-danger-text"
              data-testid=${'token-revoke-' + tok.id} onClick=${() => setRevoking(tok)}>${t('tokens.revoke')}</button>`}</td>
          </tr>`;
        })}</tbody>
      </table></div>`}
    ${revoking && html`<${Confirm}
      title=${t('tokens.revoke_title', { name: revoking.name })}
      message=${t('tokens.revoke_body')}
      confirmLabel=${t('tokens.revoke')}
      onClose=${() => setRevoking(null)}
      onConfirm=${async () => {
        await api.del(wsPath(app.ws.id, `/tokens/${revoking.id}`));
        toast(t('tokens.revoked', { name: revoking.name }));
        load();
      }} />`}
  <//>`;
}

function RoleMatrix({ data }) {
  const roles = data.roles || [];
  const perms = data.permissions || [];
  const allowed = (r, p) => (data.matrix && data.matrix[r] ? data.matrix[r].includes(p) : false);
  return html`<${Card} title=${t('roles.title')} subtitle=${t('roles.sub')} testid="role-matrix">
    <div class="table-wrap">
      <table class="table matrix">
        <caption class="visually-hidden">${t('roles.title')}</caption>
        <thead><tr>
          <th scope="col" class="matrix-perm">${t('roles.permission')}</th>
          ${roles.map((r) => html`<th scope="col" key=${r} data-testid=${'matrix-role-' + r}>${roleName(r)}</th>`)}
        </tr></thead>
        <tbody>
          ${perms.map((p) => html`<tr key=${p}>
            <th scope="row" class="matrix-perm" data-testid=${'matrix-perm-' + p}>${permName(p)}<code class="muted small block">${p}</code></th>
            ${roles.map((r) => allowed(r, p)
              ? html`<td class="yes" key=${r}><${Icon} name="check" /><span class="visually-hidden">${t('roles.yes')}</span></td>`
              : html`<td class="no" key=${r}><span aria-hidden="true">·</span><span class="visually-hidden">${t('roles.no')}</span></td>`)}
          </tr>`)}
        </tbody>
      </table>
    </div>
  <//>`;
}

export function Team({ app }) {
  const admin = app.can('workspace.admin');
  const [members, setMembers] = useState(null);
  const [roles, setRoles] = useState(null);
  const [error, setError] = useState('');

  const load = () => api.get(wsPath(app.ws.id, '/members')).then((r) => setMembers(r.members || []), (e) => setError(errorText(e)));
  useEffect(() => {
    load();
    api.get('/roles').then(setRoles, (e) => setError(errorText(e)));
  }, []);

  const roleOptions = ((roles && roles.roles) || ROLES).map((r) => ({ value: r, label: roleName(r) }));

  return html`<div class="page" data-testid="page-team">
    <${PageHeader} title=${t('team.title')} subtitle=${t('team.subtitle', { workspace: app.ws.name })} />
    <${SettingsTabs} app=${app} current="team" />
    ${error && html`<${Alert}>${error}<//>`}
    ${!admin && html`<${Alert} kind="info" testid="team-readonly">${t('team.readonly')}<//>`}
    ${admin && html`<${AddMember} app=${app} roleOptions=${roleOptions} onAdded=${load} />`}
    ${members ? html`<${MemberList} app=${app} members=${members} roleOptions=${roleOptions} onChanged=${load} />` : html`<${Spinner} />`}
    ${admin && html`<${Tokens} app=${app} roleOptions=${roleOptions} />`}
    ${roles && html`<${RoleMatrix} data=${roles} />`}
  </div>`;
}
