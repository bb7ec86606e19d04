// media: what the Library page and the media picker in Compose share — the
// facts of a media item (type, size in pixels and bytes, duration), its
// thumbnail, the upload queue (one file after the other, with progress and
// the server's refusals translated) and the drop zone.
import { html, useState, useRef } from '/vendor/htm-preact.js';
import { upload, wsPath, ApiError } from '../api.js';
import { t, tn, errorText, fmtNumber } from '../i18n.js';
import { Icon, toast } from '../ui.js';

// What the server accepts (it decides from the bytes, not from these).
export const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,.jpg,.jpeg,.png,.gif,.webp,.mp4,.mov';
const UPLOAD_MAX = 512 * 1024 * 1024; // the largest cap (videos); the server checks each type's own
export const POST_MEDIA_MAX = 20; // items per post

export const mediaPath = (ws, id, rest = '') => wsPath(ws, `/media/${id}${rest}`);
export const fileUrl = (ws, id) => `/api/v1${mediaPath(ws, id, '/file')}`;

// "1.2 MB"
export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '—';
  if (n < 1000) return t('library.bytes', { n: fmtNumber(n) });
  if (n < 1000 * 1000) return t('library.kb', { n: fmtNumber(Math.round(n / 100) / 10) });
  if (n < 1000 * 1000 * 1000) return t('library.mb', { n: fmtNumber(Math.round(n / 100000) / 10) });
  return t('library.gb', { n: fmtNumber(Math.round(n / 100000000) / 10) });
}

// "1 080 × 1 350"
export function fmtDims(m) {
  return m && m.width && m.height ? `${fmtNumber(m.width)} × ${fmtNumber(m.height)}` : '';
}

// "0:42"
export function fmtDuration(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// "PNG image", "MP4 video"
export function kindLabel(m) {
  return t(m.type === 'video' ? 'library.kind_video' : 'library.kind_image', { format: String(m.format || '').toUpperCase() });
}

export const FILTER_LABEL = { '': 'library.filter_all', image: 'library.filter_image', video: 'library.filter_video' };

export const needsAlt = (m) => m && m.type === 'image' && !String(m.alt_text || '').trim();

// A thumbnail: the image itself, or a dark tile with a play mark for a video.
export function Thumb({ ws, item, cls = '' }) {
  if (item.type === 'video') {
    return html`<span class=${'thumb thumb-video ' + cls} role="img" aria-label=${item.alt_text || kindLabel(item)}>
      <${Icon} name="play" />${item.duration_ms ? html`<span class="thumb-dur">${fmtDuration(item.duration_ms)}</span>` : null}</span>`;
  }
  return html`<img class=${'thumb ' + cls} src=${fileUrl(ws, item.id)} alt=${item.alt_text || ''} loading="lazy" decoding="async"
    width=${item.width || undefined} height=${item.height || undefined} />`;
}

/* ---------- uploads ---------- */

let uploadSeq = 0;

// A queue of uploads to the workspace's library, sent one after the other.
// onDone(media, deduplicated) for each file kanal kept.
export function useUploads(ws, onDone) {
  const [list, setList] = useState([]);
  const Q = useRef({ waiting: [], running: false, onDone });
  Q.current.onDone = onDone;

  const patch = (key, fields) => setList((l) => l.map((x) => (x.key === key ? { ...x, ...fields } : x)));

  const run = async () => {
    const q = Q.current;
    if (q.running) return;
    q.running = true;
    while (q.waiting.length) {
      const { key, file } = q.waiting.shift();
      patch(key, { state: 'uploading' });
      try {
        if (file.size > UPLOAD_MAX) throw new ApiError(413, { code: 'media.too_large' });
        const form = new FormData();
        form.append('file', file, file.name);
        const r = await upload(wsPath(ws, '/media'), form, (sent, total) => patch(key, { sent, total }));
        setList((l) => l.filter((x) => x.key !== key));
        toast(t(r.deduplicated ? 'library.already_there' : 'library.uploaded', { name: file.name }));
        if (q.onDone) q.onDone(r.media, r.deduplicated);
      } catch (err) {
        patch(key, { state: 'error', error: errorText(err), code: err.code || '' });
      }
    }
    q.running = false;
  };

  const add = (files) => {
    const fresh = [...(files || [])].map((file) => ({ key: ++uploadSeq, file, name: file.name, size: file.size, sent: 0, total: file.size, state: 'waiting' }));
    if (!fresh.length) return;
    setList((l) => [...l, ...fresh]);
    Q.current.waiting.push(...fresh.map((x) => ({ key: x.key, file: x.file })));
    run();
  };
  const dismiss = (key) => setList((l) => l.filter((x) => x.key !== key));
  return { list, add, dismiss };
}

// The uploads in progress (with a progress bar) and the refused ones (with why).
export function UploadList({ uploads }) {
  if (!uploads.list.length) return null;
  return html`<ul class="uploads" data-testid="uploads" aria-label=${t('library.uploads')}>
    ${uploads.list.map((u) => html`<li key=${u.key} class=${'upload upload-' + u.state} data-testid="upload" data-state=${u.state}>
      <${Icon} name=${u.state === 'error' ? 'alert' : 'upload'} />
      <div class="upload-main">
        <div class="upload-line"><span class="upload-name">${u.name}</span>
          <span class="muted small">${u.state === 'error' ? fmtBytes(u.size)
            : u.state === 'waiting' ? t('library.waiting')
            : t('library.progress', { sent: fmtBytes(u.sent), total: fmtBytes(u.total) })}</span></div>
        ${u.state === 'error'
          ? html`<p class="upload-error" role="alert" data-testid="upload-error" data-code=${u.code}>${u.error}</p>`
          : html`<progress max=${u.total || 1} value=${u.state === 'waiting' ? 0 : u.sent}
              aria-label=${t('library.progress_label', { name: u.name })} data-testid="upload-progress"></progress>`}
      </div>
      ${u.state === 'error' && html`<button type="button" class="icon-btn" onClick=${() => uploads.dismiss(u.key)}
        aria-label=${t('library.dismiss', { name: u.name })} data-testid="upload-dismiss"><${Icon} name="close" /></button>`}
    </li>`)}
  </ul>`;
}

// "Upload files": a real file input (focusable, hidden from sight) inside a
// label that looks like a button.
export function FileButton({ onFiles, testid, label, cls = 'btn-primary', disabled }) {
  return html`<label class=${'btn file-btn ' + cls + (disabled ? ' is-disabled' : '')}>
    <input type="file" class="file-input" multiple accept=${ACCEPT} disabled=${disabled} data-testid=${testid}
      onChange=${(e) => { const files = [...e.currentTarget.files]; e.currentTarget.value = ''; onFiles(files); }} />
    <${Icon} name="upload" /><span>${label || t('library.upload')}</span>
  </label>`;
}

// Drag-and-drop of files: handlers for the element that takes them and
// whether files are being dragged over it now.
export function useDrop(onFiles, enabled = true) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e) => e.dataTransfer && [...(e.dataTransfer.types || [])].includes('Files');
  if (!enabled) return { over: false, handlers: {} };
  return {
    over,
    handlers: {
      onDragEnter: (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current += 1;
        setOver(true);
      },
      onDragOver: (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      },
      onDragLeave: (e) => {
        if (!hasFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (!depth.current) setOver(false);
      },
      onDrop: (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        onFiles([...e.dataTransfer.files]);
      },
    },
  };
}

export function usageText(m) {
  return m.used_by_posts > 0 ? tn('library.used_in', m.used_by_posts) : t('library.unused');
}
