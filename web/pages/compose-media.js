// compose-media: a post's pictures and videos in Compose — the strip of
// thumbnails under the text (alt text shown, a warning where it is missing,
// reorder and remove), the picker over the library (with its own upload
// area), and a small dialog to write an image's alt text on the spot.
import { html, useState, useEffect } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, errorText, fmtNumber } from '../i18n.js';
import { Icon, Modal, Alert, Spinner, useId, toast } from '../ui.js';
import {
  Thumb, UploadList, FILTER_LABEL, FileButton, useUploads, useDrop, fmtDims, kindLabel, needsAlt, mediaPath, POST_MEDIA_MAX,
} from './media.js';

const PAGE = 48;
const ALT_MAX = 1500;

// The content type a text post becomes when it gets these media.
export function guessType(items) {
  if (items.length > 1) return 'carousel';
  return items[0] && items[0].type === 'video' ? 'video' : 'image';
}

const move = (list, i, d) => {
  const j = i + d;
  if (j < 0 || j >= list.length) return list;
  const out = [...list];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
};

/* ---------- the strip in the master section ---------- */

export function MediaStrip({ app, ids, info, editable, error, bluesky, onChange, onAdd, onAlt }) {
  const hid = useId('media');
  return html`<div class=${'field media-field' + (error ? ' has-error' : '')} data-testid="compose-media" role="group" aria-labelledby=${hid}>
    <div class="media-field-head">
      <span class="label" id=${hid}>${t('compose.media_label')}</span>
      ${ids.length > 0 && html`<span class="muted small">${t('compose.media_count', { n: fmtNumber(ids.length), max: fmtNumber(POST_MEDIA_MAX) })}</span>`}
    </div>
    ${ids.length === 0
      ? html`<p class="hint media-none">${t(editable ? 'compose.media_none' : 'compose.media_none_read')}</p>`
      : html`<ol class="media-strip" data-testid="compose-media-list">
        ${ids.map((id, i) => {
          const m = info[id] || { id, type: 'image', alt_text: '' };
          const noAlt = needsAlt(m);
          return html`<li key=${id} class=${'strip-item' + (noAlt ? ' no-alt' : '')} data-testid="compose-media-item" data-id=${id}>
            <div class="strip-thumb">
              <${Thumb} ws=${app.ws.id} item=${m} />
              <span class="strip-pos" aria-hidden="true">${i + 1}</span>
            </div>
            <div class="strip-body">
              <p class="strip-kind small muted">${kindLabel(m)}${fmtDims(m) ? ' · ' + fmtDims(m) : ''}</p>
              ${noAlt
                ? html`<p class="strip-warn" data-testid="compose-alt-warning"><${Icon} name="alert" /><span>${t(bluesky ? 'compose.media_no_alt_bluesky' : 'compose.media_no_alt')}</span></p>`
                : html`<p class="strip-alt" data-testid="compose-media-alt"><span class="visually-hidden">${t('compose.media_alt')}: </span>${m.alt_text || t('compose.media_video_no_alt')}</p>`}
              ${editable && html`<div class="strip-tools">
                ${info[id] ? html`<button type="button" class="btn btn-ghost btn-sm" onClick=${() => onAlt(m)} data-testid="compose-media-alt-edit">
                  <${Icon} name="compose" />${t(m.alt_text ? 'compose.media_alt_edit' : 'compose.media_alt_add')}</button>` : null}
                <span class="strip-order">
                <button type="button" class="icon-btn" disabled=${i === 0} onClick=${() => onChange(move(ids, i, -1))}
                  aria-label=${t('compose.media_earlier', { n: i + 1 })} title=${t('compose.media_earlier', { n: i + 1 })} data-testid="compose-media-earlier"><${Icon} name="prev" /></button>
                <button type="button" class="icon-btn" disabled=${i === ids.length - 1} onClick=${() => onChange(move(ids, i, 1))}
                  aria-label=${t('compose.media_later', { n: i + 1 })} title=${t('compose.media_later', { n: i + 1 })} data-testid="compose-media-later"><${Icon} name="next" /></button>
                <button type="button" class="icon-btn" onClick=${() => onChange(ids.filter((x) => x !== id))}
                  aria-label=${t('compose.media_remove', { n: i + 1 })} title=${t('compose.media_remove', { n: i + 1 })} data-testid="compose-media-remove"><${Icon} name="close" /></button>
                </span>
              </div>`}
            </div>
          </li>`;
        })}
      </ol>`}
    ${error && html`<p class="field-error">${error}</p>`}
    ${editable && html`<div class="media-field-actions">
      <button type="button" class="btn btn-secondary btn-sm" onClick=${onAdd} data-testid="compose-add-media">
        <${Icon} name="image" />${t(ids.length ? 'compose.media_change' : 'compose.media_add')}</button>
    </div>`}
  </div>`;
}

/* ---------- alt text for one item ---------- */

export function AltDialog({ app, item, onSaved, onClose }) {
  const [text, setText] = useState(item.alt_text || '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId('calt');
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.patch(mediaPath(app.ws.id, item.id), { alt_text: text.trim() });
      onSaved(r.media);
      toast(t(r.media.alt_text ? 'library.alt_saved' : 'library.alt_cleared'));
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('compose.media_alt_title')} onClose=${onClose} testid="alt-dialog">
    <form onSubmit=${save} novalidate>
      <div class="alt-dialog-body">
        <${Thumb} ws=${app.ws.id} item=${item} cls="alt-dialog-thumb" />
        <p class="modal-text">${t('compose.media_alt_intro')}</p>
      </div>
      ${error && html`<${Alert} testid="alt-error">${error}<//>`}
      <div class="field">
        <label for=${id}>${t('library.alt_label')}</label>
        <textarea id=${id} rows="3" maxlength=${ALT_MAX} value=${text} onInput=${(e) => setText(e.currentTarget.value)}
          placeholder=${t('library.alt_placeholder')} data-autofocus data-testid="alt-dialog-text"></textarea>
      </div>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="alt-dialog-save">${t('library.alt_save')}</button>
      </div>
    </form>
  <//>`;
}

/* ---------- the picker ---------- */

export function MediaPicker({ app, selected, onDone, onLearn, onClose }) {
  const ws = app.ws.id;
  const [type, setType] = useState('');
  const [items, setItems] = useState(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const [sel, setSel] = useState(selected);

  const load = async (before) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (type) q.set('type', type);
    if (before) q.set('before', String(before));
    try {
      const r = await api.get(wsPath(ws, '/media?' + q));
      const list = r.media || [];
      onLearn(list);
      setItems((old) => (before && old ? [...old, ...list] : list));
      setMore(list.length === PAGE);
    } catch (e) {
      setError(errorText(e));
      setItems((old) => old || []);
    }
  };
  useEffect(() => {
    setItems(null);
    load(0);
  }, [type]);

  const toggle = (id) => setSel((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= POST_MEDIA_MAX ? s : [...s, id]));

  // A new upload joins the library and the selection.
  const uploads = useUploads(ws, (m) => {
    onLearn([m]);
    if (!type || m.type === type) setItems((l) => [m, ...(l || []).filter((x) => x.id !== m.id)]);
    setSel((s) => (s.includes(m.id) || s.length >= POST_MEDIA_MAX ? s : [...s, m.id]));
  });
  const drop = useDrop(uploads.add);
  const busy = uploads.list.some((u) => u.state === 'uploading' || u.state === 'waiting');
  const full = sel.length >= POST_MEDIA_MAX;

  return html`<${Modal} title=${t('picker.title')} onClose=${onClose} testid="media-picker" wide>
    <div class=${'picker-drop' + (drop.over ? ' over' : '')} ...${drop.handlers} data-testid="picker-drop">
      <${Icon} name="upload" />
      <p>${t(drop.over ? 'library.drop_now' : 'picker.drop')}</p>
      <${FileButton} onFiles=${uploads.add} testid="picker-file" cls="btn-secondary btn-sm" label=${t('picker.choose')} />
    </div>
    <${UploadList} uploads=${uploads} />
    <div class="chips picker-chips" role="group" aria-label=${t('library.filter')}>
      ${['', 'image', 'video'].map((x) => html`<button type="button" key=${x || 'all'} class=${'chip' + (x === type ? ' on' : '')}
        aria-pressed=${x === type} onClick=${() => setType(x)} data-testid=${'picker-filter-' + (x || 'all')}>${t(FILTER_LABEL[x])}</button>`)}
    </div>
    ${error && html`<${Alert}>${error}<//>`}
    ${items === null ? html`<${Spinner} />`
      : items.length === 0 ? html`<p class="picker-empty muted" data-testid="picker-empty">${t(type ? 'picker.none_type' : 'picker.empty')}</p>`
      : html`<ul class="picker-grid" data-testid="picker-grid">
        ${items.map((m) => {
          const n = sel.indexOf(m.id);
          const on = n >= 0;
          const name = m.filename || '#' + m.id;
          return html`<li key=${m.id}>
            <button type="button" class=${'picker-item' + (on ? ' on' : '')} aria-pressed=${on} disabled=${!on && full}
                onClick=${() => toggle(m.id)} data-testid="picker-item" data-id=${m.id}
                aria-label=${t('picker.item_label', { name, kind: kindLabel(m), dims: fmtDims(m) || '—' })}>
              <${Thumb} ws=${ws} item=${m} />
              ${on && html`<span class="picker-num" aria-hidden="true">${n + 1}</span>`}
              ${needsAlt(m) && html`<span class="picker-noalt" title=${t('library.alt_missing')} aria-hidden="true"><${Icon} name="alert" /></span>`}
              <span class="picker-meta" aria-hidden="true">${fmtDims(m) || kindLabel(m)}</span>
            </button>
          </li>`;
        })}
      </ul>`}
    ${more && html`<div class="picker-more"><button type="button" class="btn btn-ghost btn-sm" onClick=${() => load(items[items.length - 1].id)}
      data-testid="picker-more">${t('library.more')}</button></div>`}
    <div class="modal-actions picker-actions">
      <span class="muted small picker-count" role="status" data-testid="picker-count">${full
        ? t('picker.full', { max: fmtNumber(POST_MEDIA_MAX) })
        : t('picker.count', { n: fmtNumber(sel.length) })}</span>
      <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
      <button type="button" class="btn btn-primary" disabled=${busy} onClick=${() => onDone(sel)} data-testid="picker-done">${t('picker.done')}</button>
    </div>
  <//>`;
}
