// library: the workspace's photos and videos — a grid of thumbnails with
// their facts (type, size in pixels and bytes, how many posts use them),
// alt text and tags edited in place, delete, and uploads by button or by
// dropping files anywhere on the page. Filters (?type=image|video,
// ?tag=…) live in the address so a view can be bookmarked.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, errorText, fmtDate } from '../i18n.js';
import { PageHeader, Alert, Spinner, Icon, Confirm, EmptyState, useId, toast } from '../ui.js';
import {
  Thumb, UploadList, FILTER_LABEL, FileButton, useUploads, useDrop, fmtBytes, fmtDims, fmtDuration, kindLabel, needsAlt, usageText, mediaPath, fileUrl,
} from './media.js';

const PAGE = 48;
const TYPES = ['', 'image', 'video'];
const ALT_MAX = 1500;

const parseTags = (s) => [...new Set(String(s || '').split(/[,\n]/).map((x) => x.trim()).filter(Boolean))];

/* ---------- alt text, edited in place ---------- */

function AltEditor({ app, item, onItem }) {
  const [text, setText] = useState(item.alt_text || '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const id = useId('alt');
  useEffect(() => setText(item.alt_text || ''), [item.alt_text]);
  const dirty = text !== (item.alt_text || '');
  const may = app.can('posts.draft');

  const save = async (e) => {
    if (e) e.preventDefault();
    if (!dirty || busy) return;
    setBusy(true);
    setError('');
    try {
      const r = await api.patch(mediaPath(app.ws.id, item.id), { alt_text: text.trim() });
      onItem(r.media);
      toast(t(r.media.alt_text ? 'library.alt_saved' : 'library.alt_cleared'));
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  };
  const onKey = (e) => {
    if (e.key === 'Enter' && !e.shiftKey) save(e);
    else if (e.key === 'Escape' && dirty) {
      e.preventDefault();
      e.stopPropagation();
      setText(item.alt_text || '');
    }
  };
  const missing = needsAlt(item) && !dirty;

  return html`<form class=${'media-alt' + (missing ? ' is-missing' : '')} onSubmit=${save} novalidate>
    <div class="media-alt-head">
      <label for=${id}>${t('library.alt_label')}</label>
      ${missing && html`<span class="badge badge-warn" data-testid="media-alt-missing"><${Icon} name="alert" />${t('library.alt_missing')}</span>`}
    </div>
    ${may ? html`<textarea id=${id} rows="2" maxlength=${ALT_MAX} value=${text} placeholder=${t(item.type === 'video' ? 'library.alt_placeholder_video' : 'library.alt_placeholder')}
        onInput=${(e) => setText(e.currentTarget.value)} onKeyDown=${onKey} data-testid="media-alt" aria-describedby=${error ? id + '-err' : undefined}
        aria-invalid=${error ? 'true' : undefined}></textarea>`
      : html`<p id=${id} class="media-alt-text">${item.alt_text || t('library.alt_none')}</p>`}
    ${error && html`<p class="field-error" id=${id + '-err'}>${error}</p>`}
    ${may && dirty && html`<div class="media-alt-actions">
      <button type="submit" class="btn btn-primary btn-sm" disabled=${busy} data-testid="media-alt-save">${t('library.alt_save')}</button>
      <button type="button" class="btn btn-ghost btn-sm" onClick=${() => { setText(item.alt_text || ''); setError(''); }}>${t('common.cancel')}</button>
    </div>`}
  </form>`;
}

/* ---------- tags ---------- */

function TagEditor({ app, item, onItem, tagHref }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const id = useId('tags');
  const may = app.can('posts.draft');
  const tags = item.tags || [];

  const open = () => {
    setText(tags.join(', '));
    setError('');
    setEditing(true);
  };
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.patch(mediaPath(app.ws.id, item.id), { tags: parseTags(text) });
      onItem(r.media);
      setEditing(false);
      toast(t('library.tags_saved'));
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  };

  if (editing) {
    return html`<form class="media-tags-edit" onSubmit=${save} novalidate>
      <label for=${id} class="visually-hidden">${t('library.tags_label')}</label>
      <input id=${id} value=${text} onInput=${(e) => setText(e.currentTarget.value)} placeholder=${t('library.tags_placeholder')}
        data-testid="media-tags-input" aria-describedby=${id + '-h'}
        onKeyDown=${(e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); setEditing(false); } }} />
      <p class=${error ? 'field-error' : 'hint'} id=${id + '-h'}>${error || t('library.tags_hint')}</p>
      <div class="media-alt-actions">
        <button type="submit" class="btn btn-primary btn-sm" disabled=${busy} data-testid="media-tags-save">${t('library.tags_save')}</button>
        <button type="button" class="btn btn-ghost btn-sm" onClick=${() => setEditing(false)}>${t('common.cancel')}</button>
      </div>
    </form>`;
  }
  return html`<div class="media-tags">
    ${tags.length ? html`<ul class="tag-list" aria-label=${t('library.tags_label')}>
        ${tags.map((x) => html`<li key=${x}><a class="tag" href=${tagHref(x)} data-testid="media-tag"
          title=${t('library.tag_filter', { tag: x })}>#${x}</a></li>`)}</ul>`
      : html`<span class="muted small">${t('library.no_tags')}</span>`}
    ${may && html`<button type="button" class="btn btn-ghost btn-sm media-tags-btn" onClick=${open} data-testid="media-tags-edit"
      aria-label=${t('library.tags_edit_label', { name: item.filename || '#' + item.id })}>
      <${Icon} name="tag" />${t(tags.length ? 'library.tags_edit' : 'library.tags_add')}</button>`}
  </div>`;
}

/* ---------- one item ---------- */

function MediaCard({ app, item, onItem, onDelete, tagHref }) {
  const name = item.filename || t('library.untitled', { id: item.id });
  const dims = fmtDims(item);
  const dur = fmtDuration(item.duration_ms);
  return html`<li class="media-card" data-testid="media-item" data-id=${item.id} data-type=${item.type}>
    <a class="media-thumb" href=${fileUrl(app.ws.id, item.id)} target="_blank" rel="noopener"
        aria-label=${t('library.open', { name })}>
      <${Thumb} ws=${app.ws.id} item=${item} />
      ${item.type === 'video' && html`<span class="media-kind-flag">${t('library.video')}</span>`}
    </a>
    <div class="media-body">
      <div class="media-title-row">
        <h3 class="media-name" title=${name}>${name}</h3>
        ${app.can('posts.draft') && html`<button type="button" class="icon-btn media-delete" onClick=${() => onDelete(item)}
          aria-label=${t('library.delete_label', { name })} title=${t('library.delete')} data-testid="media-delete"><${Icon} name="trash" /></button>`}
      </div>
      <p class="media-facts">
        <span data-testid="media-kind">${kindLabel(item)}</span>
        ${dims && html`<span data-testid="media-dims">${dims}</span>`}
        ${dur && html`<span data-testid="media-duration">${dur}</span>`}
        <span data-testid="media-size">${fmtBytes(item.bytes)}</span>
      </p>
      <div class="media-usage-row">
        <p class=${'media-usage' + (item.used_by_posts > 0 ? ' in-use' : '')} data-testid="media-usage" data-count=${item.used_by_posts}>
          <${Icon} name=${item.used_by_posts > 0 ? 'compose' : 'info'} /><span>${usageText(item)}</span></p>
        <span class="media-date" title=${t('library.added')}>${fmtDate(item.created_at, app.tz)}</span>
      </div>
      <${AltEditor} app=${app} item=${item} onItem=${onItem} />
      <${TagEditor} app=${app} item=${item} onItem=${onItem} tagHref=${tagHref} />
    </div>
  </li>`;
}

/* ---------- the page ---------- */

export function Library({ app }) {
  const q = app.route.query;
  const type = TYPES.includes(q.type) ? q.type : '';
  const tag = (q.tag || '').trim();
  const [items, setItems] = useState(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const [deleting, setDeleting] = useState(null);
  const may = app.can('posts.draft');

  const query = (before) => {
    const p = new URLSearchParams({ limit: String(PAGE) });
    if (type) p.set('type', type);
    if (tag) p.set('tag', tag);
    if (before) p.set('before', String(before));
    return p;
  };
  const load = async (before) => {
    try {
      const r = await api.get(wsPath(app.ws.id, '/media?' + query(before)));
      const list = r.media || [];
      setItems((old) => (before && old ? [...old, ...list] : list));
      setMore(list.length === PAGE);
      setError('');
    } catch (e) {
      setError(errorText(e));
      setItems((old) => old || []);
    }
  };
  useEffect(() => {
    setItems(null);
    load(0);
  }, [type, tag]);

  const href = (over) => {
    const p = { type, tag, ...over };
    const s = new URLSearchParams();
    if (p.type) s.set('type', p.type);
    if (p.tag) s.set('tag', p.tag);
    const qs = s.toString();
    return `${app.base}/library${qs ? '?' + qs : ''}`;
  };

  const shows = (m) => (!type || m.type === type) && (!tag || (m.tags || []).includes(tag));
  const onItem = (m) => setItems((l) => (l || []).map((x) => (x.id === m.id ? m : x)).filter(shows));
  const uploads = useUploads(app.ws.id, (m) => {
    setItems((l) => {
      const rest = (l || []).filter((x) => x.id !== m.id);
      return shows(m) ? [m, ...rest] : rest;
    });
  });
  const drop = useDrop(uploads.add, may);

  const filtered = !!(type || tag);
  const empty = items && items.length === 0;

  return html`<div class=${'page library' + (drop.over ? ' is-dropping' : '')} data-testid="page-library" ...${drop.handlers}>
    <${PageHeader} title=${t('nav.library')} subtitle=${t('library.subtitle')}>
      ${may && html`<${FileButton} onFiles=${uploads.add} testid="library-file" />`}
    </${PageHeader}>
    ${may && html`<p class="hint library-hint">${t('library.drop_hint')}</p>`}

    <nav class="chips" aria-label=${t('library.filter')} data-testid="library-filter">
      ${TYPES.map((x) => html`<a key=${x || 'all'} href=${href({ type: x })} class=${'chip' + (x === type ? ' on' : '')}
        aria-current=${x === type ? 'true' : undefined} data-testid=${'filter-' + (x || 'all')}>${t(FILTER_LABEL[x])}</a>`)}
      ${tag && html`<a href=${href({ tag: '' })} class="chip chip-tag on" data-testid="filter-tag"
        aria-label=${t('library.tag_clear', { tag })}>#${tag}<${Icon} name="close" /></a>`}
    </nav>

    <${UploadList} uploads=${uploads} />
    ${error && html`<${Alert} testid="library-error">${error}<//>`}

    ${items === null ? html`<${Spinner} />`
      : empty && !filtered ? html`<section class="card empty empty-card" data-testid="empty-state">
          <div class="empty-art" aria-hidden="true"><${Icon} name="library" /></div>
          <h2>${t('library.empty_title')}</h2>
          <p class="empty-body">${t(may ? 'library.empty_upload' : 'library.empty_body')}</p>
          <ul class="empty-points">
            ${['library.point1', 'library.point2', 'library.point3'].map((k) => html`<li key=${k}><${Icon} name="check" /><span>${t(k)}</span></li>`)}
          </ul>
          <div class="empty-next">
            ${may && html`<${FileButton} onFiles=${uploads.add} testid="empty-upload" label=${t('library.empty_choose')} />`}
            <p>${t('library.next')}</p>
            <a class="btn btn-secondary" href=${`${app.base}/compose`} data-testid="empty-action">${t('library.action')}</a>
          </div>
        </section>`
      : empty ? html`<${EmptyState} icon="library" testid="library-none"
          title=${tag ? t('library.none_tag_title', { tag }) : t(type === 'video' ? 'library.none_type_title_video' : 'library.none_type_title_image')} body=${t('library.none_body')}>
          <a class="btn btn-secondary" href=${href({ type: '', tag: '' })} data-testid="library-show-all">${t('library.show_all')}</a><//>`
      : html`<ul class="media-grid" data-testid="media-grid">
          ${items.map((m) => html`<${MediaCard} key=${m.id} app=${app} item=${m} onItem=${onItem} onDelete=${setDeleting} tagHref=${(x) => href({ tag: x })} />`)}
        </ul>`}
    ${more && html`<div class="card-foot"><button type="button" class="btn btn-secondary" data-testid="library-more"
      onClick=${() => load(items[items.length - 1].id)}>${t('library.more')}</button></div>`}

    ${drop.over && html`<div class="drop-overlay" aria-hidden="true"><div class="drop-box"><${Icon} name="upload" /><p>${t('library.drop_now')}</p></div></div>`}
    ${deleting && html`<${Confirm} title=${t('library.delete_title')}
      message=${deleting.used_by_posts > 0 ? t('library.delete_in_use', { usage: usageText(deleting) }) : t('library.delete_body', { name: deleting.filename || '#' + deleting.id })}
      confirmLabel=${t('library.delete')} onClose=${() => setDeleting(null)}
      onConfirm=${async () => {
        const m = deleting;
        await api.del(mediaPath(app.ws.id, m.id));
        setItems((l) => (l || []).filter((x) => x.id !== m.id));
        toast(t('library.deleted', { name: m.filename || '#' + m.id }));
      }} />`}
  </div>`;
}
