// compose: one post written once (master text, link, type, tags, notes,
// channels) with a live preview per channel that looks like that network's
// post. The server counts what each network will see and names every
// problem with its range (variant.count, variant.problems); the preview
// underlines them. Drafts save themselves; the workflow buttons follow the
// role's permissions and the post's state.
import { html, useState, useEffect, useRef } from '/vendor/htm-preact.js';
import { api, wsPath } from '../api.js';
import { t, has, errorText, fmtNumber, fmtDateTime } from '../i18n.js';
import { PageHeader, Card, Alert, Icon, Avatar, Spinner, Confirm, Modal, EmptyState, useId, toast } from '../ui.js';
import {
  NetBadge, StateBadge, networkName, ChangesDialog, ScheduleDialog, approvePost, postPath, variantProblems, fmtLocal,
} from './content.js';
import { MediaStrip, MediaPicker, AltDialog, guessType } from './compose-media.js';
import { fileUrl, needsAlt } from './media.js';
import { PublishingTimeline } from './publishing.js';

const TYPES = ['text', 'image', 'video', 'link', 'carousel', 'thread', 'story'];
const AUTOSAVE_MS = 700;
const LINK_OK = /^https?:\/\/[^\s]+$/;

const parseTags = (s) => [...new Set(String(s || '').split(/[,\n]/).map((x) => x.trim().replace(/^#/, '')).filter(Boolean))];
const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const channelIds = (post) => ((post && post.variants) || []).map((v) => v.channel.id).sort((a, b) => a - b);

function formFrom(post) {
  return {
    title: post.title || '',
    master_text: post.master_text || '',
    link: post.link || '',
    content_type: post.content_type || 'text',
    tags: (post.tags || []).join(', '),
    notes: post.notes || '',
    channel_ids: channelIds(post),
    media: (post.media || []).slice(),
  };
}

const EMPTY_FORM = { title: '', master_text: '', link: '', content_type: 'text', tags: '', notes: '', channel_ids: [], media: [] };

// What to send so that the server's post matches the form (null: nothing).
// A link that is not yet a full address is left out until it is.
function postDiff(form, post) {
  const body = {};
  const link = form.link.trim();
  const linkOk = !link || LINK_OK.test(link);
  if (!post) {
    if (!form.title.trim() && !form.master_text.trim() && !form.channel_ids.length && !form.notes.trim() && !form.media.length) return null;
    body.title = form.title;
    body.master_text = form.master_text;
    if (link && linkOk) body.link = link;
    body.content_type = form.content_type;
    body.tags = parseTags(form.tags);
    body.notes = form.notes;
    body.channel_ids = form.channel_ids;
    if (form.media.length) body.media = form.media;
    return body;
  }
  if (form.title !== (post.title || '')) body.title = form.title;
  if (form.master_text !== (post.master_text || '')) body.master_text = form.master_text;
  if (linkOk && link !== (post.link || '')) body.link = link;
  if (form.content_type !== post.content_type) body.content_type = form.content_type;
  if (!sameList(parseTags(form.tags), post.tags || [])) body.tags = parseTags(form.tags);
  if (form.notes !== (post.notes || '')) body.notes = form.notes;
  if (!sameList([...form.channel_ids].sort((a, b) => a - b), channelIds(post))) body.channel_ids = form.channel_ids;
  if (!sameList(form.media, post.media || [])) body.media = form.media;
  return Object.keys(body).length ? body : null;
}

// Variant overrides being edited whose text differs from the server's.
function variantDiffs(edits, post) {
  const out = [];
  for (const v of (post && post.variants) || []) {
    const e = edits[v.id];
    if (typeof e === 'string' && e !== (v.text !== null ? v.text : v.effective_text)) out.push({ id: v.id, text: e });
  }
  return out;
}

/* ---------- problems ---------- */

export function problemText(p, network) {
  const key = 'problems.' + p.code;
  const params = { network: networkName(network), value: fmtNumber(p.value || 0), limit: fmtNumber(p.limit || 0), code: p.code };
  const s = has(key) ? t(key, params) : t('problems.unknown', params);
  return p.part !== undefined && p.part !== null ? t('compose.problem_part', { n: p.part + 1, problem: s }) : s;
}

// The text cut at every problem boundary; each piece knows its problems.
// Ranges are UTF-16 offsets into the text, as JavaScript strings count.
export function segments(text, problems) {
  const ranged = (problems || []).filter((p) => p.part === undefined || p.part === null)
    .filter((p) => Number.isInteger(p.start) && Number.isInteger(p.end) && p.end > p.start && p.start < text.length);
  const cuts = new Set([0, text.length]);
  for (const p of ranged) {
    cuts.add(Math.max(0, p.start));
    cuts.add(Math.min(text.length, p.end));
  }
  const pts = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    out.push({ text: text.slice(a, b), problems: ranged.filter((p) => p.start <= a && p.end >= b) });
  }
  return out;
}

/* ---------- one network's preview ---------- */

function PostText({ text, problems, network, lead }) {
  if (!text) return html`<p class="pv-text pv-empty">${t('compose.preview_empty')}</p>`;
  return html`<p class="pv-text">${lead && html`<span class="pv-lead">${lead}</span>`}<span data-testid="preview-text">${segments(text, problems).map((s, i) => (s.problems.length
    ? html`<mark key=${i} class="pv-problem" data-code=${s.problems[0].code} title=${s.problems.map((p) => problemText(p, network)).join(' · ')}>${s.text}</mark>`
    : s.text))}</span></p>`;
}

// The label of the one-click fix the server proposes for a variant.
function adaptLabel(s) {
  const n = (s.notes || []).find((x) => x.code === 'adapt.thread');
  if (n) return t('compose.adapt_thread', { n: fmtNumber(n.count) });
  const h = (s.notes || []).find((x) => x.code === 'adapt.hashtags_dropped');
  if (h && !(s.notes || []).some((x) => x.code === 'adapt.trimmed')) return t('compose.adapt_hashtags', { n: fmtNumber(h.count) });
  return t('compose.adapt_trim');
}

// The picture a network shows: the first image of the post (a grey tile
// when the post is of a visual type but has none yet, a play mark when it
// has only videos), with how many more there are.
function PreviewMedia({ app, media, wide }) {
  const first = media.find((m) => m.type === 'image');
  const cls = 'pv-media' + (wide ? ' pv-media-wide' : '');
  if (!first) {
    return html`<div class=${cls} aria-hidden="true" data-testid="preview-media" data-media="">
      <${Icon} name=${media.length ? 'play' : 'image'} />${media.length > 1 ? html`<span class="pv-more">+${fmtNumber(media.length - 1)}</span>` : null}</div>`;
  }
  return html`<div class=${cls + ' pv-has-img'} data-testid="preview-media" data-media=${first.id}>
    <img class="pv-img" src=${fileUrl(app.ws.id, first.id)} alt=${first.alt_text || ''} data-testid="preview-image" />
    ${media.length > 1 ? html`<span class="pv-more" aria-label=${t('compose.media_more', { n: fmtNumber(media.length - 1) })}>+${fmtNumber(media.length - 1)}</span>` : null}
  </div>`;
}

function Preview({ app, channel, variant, localText, synced, link, contentType, media: items, canEdit, editing, onEdit, onEditText, onMaster, onAdapt }) {
  const net = channel.network;
  const count = variant ? variant.count : undefined;
  const problems = (synced && variant && variant.problems) || [];
  const text = synced && variant ? variant.effective_text : localText;
  const overLength = count && count.length > count.limit;
  const editId = useId('ov');
  const countState = !count ? 'none' : !synced ? 'pending' : overLength ? 'over' : 'ok';
  const media = items.length > 0 || ['image', 'video', 'carousel', 'story'].includes(contentType);
  const altMissing = net === 'bluesky' && items.some(needsAlt);
  const handle = channel.handle || '';
  const overridden = variant && (variant.text !== null || (variant.thread && variant.thread.length) || editing !== undefined);
  const parts = variant && Array.isArray(variant.thread) ? variant.thread.length : 0;

  return html`<article class=${`pv pv-${net}` + (problems.length ? ' pv-bad' : '')} data-testid="preview" data-network=${net}
      data-channel=${channel.id} data-sync=${synced ? 'saved' : 'pending'} aria-labelledby=${editId + '-h'}>
    <header class="pv-bar">
      <${NetBadge} network=${net} />
      <h3 id=${editId + '-h'}>${networkName(net)}<span class="visually-hidden"> · ${channel.name}</span></h3>
      ${overridden && html`<span class="badge badge-accent" data-testid="preview-overridden">${t('compose.own_text')}</span>`}
      ${parts > 0 && html`<span class="badge" data-testid="preview-thread">${t('compose.thread_parts', { n: fmtNumber(parts) })}</span>`}
      <span class="pv-spacer"></span>
      ${count && html`<span class=${'pv-count pv-count-' + countState} data-testid="preview-count" data-state=${countState}
          aria-label=${t('compose.count_label', { length: fmtNumber(count.length), limit: fmtNumber(count.limit) })}>
        ${fmtNumber(count.length)} / ${fmtNumber(count.limit)}</span>`}
    </header>
    <div class="pv-post">
      <div class="pv-author">
        <${Avatar} name=${channel.name} seed=${net + channel.name} size=${net === 'instagram' ? 'avatar-sm pv-ring' : ''} />
        <div class="pv-who">
          <span class="pv-name">${net === 'instagram' ? handle.replace(/^@/, '') || channel.name : channel.name}</span>
          <span class="pv-handle">${net === 'facebook' || net === 'linkedin' ? t('compose.pv_now') : net === 'instagram' ? '' : handle + ' · ' + t('compose.pv_now')}</span>
        </div>
      </div>
      ${media && net === 'instagram' && html`<${PreviewMedia} app=${app} media=${items} />`}
      <${PostText} text=${text} problems=${problems} network=${net} lead=${net === 'instagram' ? handle.replace(/^@/, '') || channel.name : ''} />
      ${media && net !== 'instagram' && html`<${PreviewMedia} app=${app} media=${items} wide />`}
      ${link && !media && html`<div class="pv-link"><${Icon} name="link" /><span>${link.replace(/^https?:\/\//, '')}</span></div>`}
      <div class="pv-actions" aria-hidden="true">
        <${Icon} name="comment" /><${Icon} name="repeat" /><${Icon} name="heart" /><${Icon} name=${net === 'instagram' ? 'bookmark' : 'share'} />
      </div>
    </div>
    ${problems.length > 0 && html`<ul class="pv-problems" data-testid="preview-problems">
      ${problems.map((p, i) => html`<li key=${i} data-testid="preview-problem" data-code=${p.code}><${Icon} name="alert" /><span>${problemText(p, net)}</span></li>`)}
    </ul>`}
    ${altMissing && html`<p class="pv-warn" data-testid="preview-alt-warning"><${Icon} name="alert" /><span>${t('compose.media_alt_bluesky')}</span></p>`}
    ${!synced && html`<p class="pv-note muted small">${t('compose.checking')}</p>`}
    ${canEdit && variant && html`<div class="pv-tools">
      ${editing !== undefined ? html`<div class="field pv-edit">
          <label for=${editId}>${t('compose.own_text_label', { network: networkName(net) })}</label>
          <textarea id=${editId} rows="5" value=${editing} onInput=${(e) => onEditText(e.currentTarget.value)} data-testid="override-text"></textarea>
        </div>` : null}
      <div class="pv-tool-row">
        ${editing === undefined && html`<button type="button" class="btn btn-secondary btn-sm" onClick=${onEdit} data-testid="override-edit">
          <${Icon} name="compose" />${t('compose.edit_for', { network: networkName(net) })}</button>`}
        ${synced && variant.suggestion && editing === undefined && html`<button type="button" class="btn btn-primary btn-sm" onClick=${onAdapt} data-testid="adapt">
          <${Icon} name="check" />${adaptLabel(variant.suggestion)}</button>`}
        ${overridden && html`<button type="button" class="btn btn-ghost btn-sm" onClick=${onMaster} data-testid="override-clear">
          <${Icon} name="undo" />${t('compose.use_master')}</button>`}
      </div>
    </div>`}
  </article>`;
}

/* ---------- the comments thread ---------- */

const KIND_KEY = { submit: 'compose.kind_submit', approve: 'compose.kind_approve', request_changes: 'compose.kind_request_changes', comment: 'compose.kind_comment' };
const KIND_ICON = { submit: 'send', approve: 'check', request_changes: 'undo', comment: 'comment' };

function Thread({ app, post, onPost }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId('cm');
  const may = app.can('posts.comment');
  const add = async (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      const r = await api.post(postPath(app, post.id, '/comments'), { body: text.trim() });
      setText('');
      onPost(r.post);
    } catch (err) {
      toast(errorText(err), 'error');
    }
    setBusy(false);
  };
  const list = post.comments || [];
  return html`<${Card} title=${t('compose.thread_title')} subtitle=${t('compose.thread_sub')} testid="thread">
    ${list.length === 0 ? html`<p class="muted empty-line">${t('compose.thread_empty')}</p>`
      : html`<ol class="thread">${list.map((c) => html`<li key=${c.id} class=${'thread-item kind-' + c.kind} data-testid="comment" data-kind=${c.kind}>
        <span class="thread-mark" aria-hidden="true"><${Icon} name=${KIND_ICON[c.kind] || 'comment'} /></span>
        <div class="thread-body">
          <p><strong>${c.author}</strong> ${t(KIND_KEY[c.kind] || 'compose.kind_comment')}<span class="muted small"> · ${fmtDateTime(c.created_at, app.tz)}</span></p>
          ${c.body && html`<p class="thread-text" data-testid="comment-body">${c.body}</p>`}
        </div>
      </li>`)}</ol>`}
    ${may && html`<form class="thread-form" onSubmit=${add}>
      <label for=${id} class="visually-hidden">${t('compose.comment_label')}</label>
      <textarea id=${id} rows="2" placeholder=${t('compose.comment_placeholder')} value=${text} onInput=${(e) => setText(e.currentTarget.value)} data-testid="comment-text"></textarea>
      <button type="submit" class="btn btn-secondary btn-sm" disabled=${busy || !text.trim()} data-testid="comment-add">${t('compose.comment_add')}</button>
    </form>`}
  <//>`;
}

/* ---------- submit for review (with an optional note) ---------- */

function SubmitDialog({ app, post, onDone, onClose }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId('sub');
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.post(postPath(app, post.id, '/submit'), text.trim() ? { comment: text.trim() } : {});
      toast(t('compose.submitted'));
      onDone(r.post);
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t('compose.submit_title')} onClose=${onClose} testid="submit-dialog">
    <form onSubmit=${submit} novalidate>
      <p class="modal-text">${t('compose.submit_intro')}</p>
      ${error && html`<${Alert} testid="submit-error">${error}<//>`}
      <div class="field">
        <label for=${id}>${t('compose.submit_note')}</label>
        <textarea id=${id} rows="3" value=${text} onInput=${(e) => setText(e.currentTarget.value)} data-autofocus data-testid="submit-note"></textarea>
      </div>
      <div class="modal-actions">
        <button type="button" class="btn btn-ghost" onClick=${onClose}>${t('common.cancel')}</button>
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="submit-confirm"><${Icon} name="send" />${t('compose.submit')}</button>
      </div>
    </form>
  <//>`;
}

/* ---------- the page ---------- */

// Post states that have publications to show.
const PUB_STATES = ['scheduled', 'publishing', 'published', 'failed', 'unconfirmed'];

export function Compose({ app, postId }) {
  const ws = app.ws.id;
  const [channels, setChannels] = useState(null);
  const [post, setPost] = useState(null);
  const [form, setForm] = useState(postId ? null : EMPTY_FORM);
  const [edits, setEdits] = useState({}); // variant id -> override text being edited
  const [loadErr, setLoadErr] = useState(null);
  const [save, setSave] = useState({ state: 'idle', at: null, error: '' });
  const [fieldErr, setFieldErr] = useState({});
  const [unlocked, setUnlocked] = useState(false);
  const [dialog, setDialog] = useState('');
  const [busy, setBusy] = useState(false);
  const [mediaInfo, setMediaInfo] = useState({}); // media id -> what the library says of it
  const [altFor, setAltFor] = useState(null); // the media item whose alt text is being written
  const S = useRef({ post: null, form: postId ? null : EMPTY_FORM, edits: {}, timer: 0, saving: null, again: false, live: true });
  const ids = useId('compose');

  // Remember what media items are (thumbnails, alt text), from the post or the library.
  const learnMedia = (list) => {
    if (!list || !list.length) return;
    setMediaInfo((old) => {
      const next = { ...old };
      for (const m of list) next[m.id] = { ...(old[m.id] || {}), ...m };
      return next;
    });
  };

  const applyPost = (p) => {
    S.current.post = p;
    if (S.current.live) {
      setPost(p);
      learnMedia([...(p.media_items || []), ...(p.variants || []).flatMap((v) => v.media_items || [])]);
    }
  };

  useEffect(() => {
    S.current.live = true;
    api.get(wsPath(ws, '/channels')).then((r) => setChannels(r.channels || []), (e) => setLoadErr(e));
    if (postId) {
      api.get(postPath(app, postId)).then((r) => {
        applyPost(r.post);
        const f = formFrom(r.post);
        S.current.form = f;
        setForm(f);
        const ed = {};
        for (const v of r.post.variants || []) if (v.text !== null) ed[v.id] = v.text;
        S.current.edits = ed;
        setEdits(ed);
      }, (e) => setLoadErr(e));
    }
    return () => {
      // Leaving with changes not yet sent: send them now.
      S.current.live = false;
      if (S.current.timer) saveNow();
    };
  }, []);

  const state = post ? post.state : 'new';
  const canDraft = app.can('posts.draft');
  const locked = state === 'publishing' || state === 'published' || state === 'canceled' || state === 'failed';
  const editable = canDraft && !locked && (state === 'new' || state === 'draft' || unlocked);

  async function saveNow() {
    const s = S.current;
    clearTimeout(s.timer);
    s.timer = 0;
    if (s.saving) {
      s.again = true;
      return s.saving;
    }
    const body = s.form && postDiff(s.form, s.post);
    const vd = variantDiffs(s.edits, s.post);
    if (!body && !vd.length) return true;
    if (s.live) setSave((x) => ({ ...x, state: 'saving' }));
    s.saving = (async () => {
      let ok = false;
      try {
        if (body) {
          let r;
          if (!s.post) {
            r = await api.post(wsPath(ws, '/posts'), body);
            // The address now names the post, without reloading the page.
            if (s.live) history.replaceState(null, '', `#/ws/${ws}/posts/${r.post.id}`);
          } else r = await api.patch(postPath(app, s.post.id), body);
          applyPost(r.post);
        }
        for (const d of variantDiffs(s.edits, s.post)) {
          const r = await api.patch(postPath(app, s.post.id, `/variants/${d.id}`), { text: d.text });
          applyPost(r.post);
        }
        if (s.live) {
          setSave({ state: 'saved', at: new Date(), error: '' });
          setFieldErr({});
        }
        ok = true;
      } catch (err) {
        const f = err.fieldName && err.fieldName.replace(/\[\d+\]$/, '');
        if (s.live) {
          setSave({ state: 'error', at: null, error: errorText(err) });
          if (['title', 'master_text', 'link', 'content_type', 'tags', 'notes', 'channel_ids', 'media'].includes(f)) setFieldErr({ [f]: errorText(err) });
        }
        s.again = false;
      } finally {
        s.saving = null;
      }
      if (s.again) {
        s.again = false;
        return saveNow();
      }
      return ok;
    })();
    return s.saving;
  }

  const schedule = () => {
    clearTimeout(S.current.timer);
    S.current.timer = setTimeout(saveNow, AUTOSAVE_MS);
    setSave((x) => ({ ...x, state: 'pending' }));
  };

  const set = (k) => (v) => {
    const f = { ...S.current.form, [k]: v };
    S.current.form = f;
    setForm(f);
    if (fieldErr[k]) setFieldErr((o) => ({ ...o, [k]: '' }));
    schedule();
  };

  // The post's media in their order; a text post that gets a picture becomes
  // an image (or video, or carousel) post.
  const setMedia = (ids) => {
    const f = { ...S.current.form, media: ids };
    if (f.content_type === 'text' && ids.length && !S.current.form.media.length) {
      f.content_type = guessType(ids.map((id) => mediaInfo[id] || { type: 'image' }));
    }
    S.current.form = f;
    setForm(f);
    if (fieldErr.media) setFieldErr((o) => ({ ...o, media: '' }));
    schedule();
  };

  const toggleChannel = (id, on) => {
    const cur = S.current.form.channel_ids.filter((x) => x !== id);
    set('channel_ids')(on ? [...cur, id] : cur);
  };

  const editVariant = (v) => {
    const ed = { ...S.current.edits, [v.id]: v.text !== null ? v.text : v.effective_text };
    S.current.edits = ed;
    setEdits(ed);
  };
  const editVariantText = (v, text) => {
    const ed = { ...S.current.edits, [v.id]: text };
    S.current.edits = ed;
    setEdits(ed);
    schedule();
  };
  const useMaster = async (v) => {
    const ed = { ...S.current.edits };
    delete ed[v.id];
    S.current.edits = ed;
    setEdits(ed);
    if (v.text === null && !(v.thread && v.thread.length)) return;
    await saveNow();
    try {
      const r = await api.patch(postPath(app, post.id, `/variants/${v.id}`), { text: null, thread: null });
      applyPost(r.post);
      toast(t('compose.master_back', { network: networkName(v.channel.network) }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };

  // Apply the server's proposal for one network (a thread, a trim, fewer hashtags).
  const adaptVariant = async (v) => {
    await saveNow();
    try {
      const r = await api.patch(postPath(app, post.id, `/variants/${v.id}`), { adapt: true });
      applyPost(r.post);
      toast(t('compose.adapted', { network: networkName(v.channel.network) }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };

  // A workflow step: send what is pending first (and stop if that fails),
  // then the action.
  const act = async (fn) => {
    setBusy(true);
    try {
      if ((await saveNow()) === false) {
        setBusy(false);
        return;
      }
      await fn();
    } catch (err) {
      toast(errorText(err), 'error');
    }
    setBusy(false);
  };
  const afterAction = (p) => {
    applyPost(p);
    setUnlocked(false);
  };

  if (loadErr) {
    return html`<div class="page" data-testid="page-compose">
      <${EmptyState} icon="alert" title=${t('compose.load_error')} body=${errorText(loadErr)} testid="compose-error">
        <a class="btn btn-primary" href=${app.base + '/posts'}>${t('compose.all_posts')}</a><//>
    </div>`;
  }
  if (!form || !channels) return html`<div class="page" data-testid="page-compose"><${Spinner} /></div>`;

  const selected = channels.filter((c) => form.channel_ids.includes(c.id));
  const pendingPost = !!postDiff(form, post);
  const pendingVariants = variantDiffs(edits, post).map((d) => d.id);
  const problems = variantProblems(post);
  const can = app.can;
  const p = post || {};
  const show = {
    save: editable,
    submit: post && can('posts.schedule') && state === 'draft',
    approve: post && can('posts.approve') && state === 'in_review',
    changes: post && can('posts.approve') && state === 'in_review',
    schedule: post && can('posts.schedule') && (state === 'approved' || (can('posts.approve') && (state === 'draft' || state === 'in_review'))),
    unschedule: post && can('posts.schedule') && state === 'scheduled',
    cancel: post && can('posts.schedule') && ['draft', 'in_review', 'approved', 'scheduled', 'failed', 'unconfirmed'].includes(state),
    reopen: post && canDraft && (state === 'canceled' || state === 'failed'),
  };
  const saveLabel = save.state === 'saving' ? t('compose.saving')
    : save.state === 'error' ? t('compose.save_failed')
    : save.state === 'pending' || pendingPost || pendingVariants.length ? t('compose.unsaved')
    : save.at ? t('compose.saved_at', { time: save.at.toTimeString().slice(0, 5) })
    : post ? t('compose.saved') : t('compose.not_saved');

  return html`<div class="page page-wide" data-testid="page-compose" data-post=${post ? post.id : ''} data-state=${state}>
    <${PageHeader} title=${post ? (post.title || t('content.untitled')) : t('compose.new_title')} subtitle=${t('compose.subtitle')}>
      <${StateBadge} state=${state === 'new' ? 'draft' : state} />
      <span class=${'save-state save-' + save.state} role="status" data-testid="save-state" data-state=${save.state}>${saveLabel}</span>
    </${PageHeader}>

    ${post && post.state === 'scheduled' && post.schedule && html`<${Alert} kind="info" testid="scheduled-note">
      ${t('compose.scheduled_for', { when: fmtLocal(post.schedule.local), zone: post.schedule.timezone })}
      ${' '}<a href=${`${app.base}/calendar?view=month&date=${post.schedule.local.slice(0, 10)}`} data-testid="see-calendar">${t('compose.see_calendar')}</a>
    <//>`}
    ${canDraft && !locked && !editable && post && html`<div class="alert alert-info" role="status" data-testid="locked-note">
      <${Icon} name="info" /><div>${t('compose.edit_resets', { state: t('states.' + state) })}
        ${' '}<button type="button" class="btn btn-secondary btn-sm" onClick=${() => setUnlocked(true)} data-testid="unlock">${t('compose.edit_anyway')}</button></div>
    </div>`}
    ${save.state === 'error' && html`<${Alert} testid="save-error">${save.error}<//>`}
    ${!canDraft && html`<${Alert} kind="info" testid="readonly-note">${t('compose.readonly')}<//>`}

    <div class="compose">
      <section class="compose-master" aria-labelledby=${ids + '-mh'}>
        <${Card} testid="master">
          <h2 id=${ids + '-mh'} class="card-title">${t('compose.master_title')}</h2>
          <div class="field">
            <label for=${ids + '-title'}>${t('compose.title_label')}</label>
            <input id=${ids + '-title'} value=${form.title} onInput=${(e) => set('title')(e.currentTarget.value)} readonly=${!editable}
              placeholder=${t('compose.title_placeholder')} data-testid="compose-title" maxlength="800" />
          </div>
          <div class=${'field' + (fieldErr.master_text ? ' has-error' : '')}>
            <label for=${ids + '-text'}>${t('compose.text_label')}</label>
            <textarea id=${ids + '-text'} rows="8" value=${form.master_text} onInput=${(e) => set('master_text')(e.currentTarget.value)}
              readonly=${!editable} placeholder=${t('compose.text_placeholder')} data-testid="compose-text"
              aria-describedby=${ids + '-text-h'}></textarea>
            <p class="hint" id=${ids + '-text-h'}>${t('compose.text_hint', { n: fmtNumber([...form.master_text].length) })}</p>
            ${fieldErr.master_text && html`<p class="field-error">${fieldErr.master_text}</p>`}
          </div>
          <${MediaStrip} app=${app} ids=${form.media} info=${mediaInfo} editable=${editable} error=${fieldErr.media}
            bluesky=${selected.some((c) => c.network === 'bluesky')}
            onChange=${setMedia} onAdd=${() => setDialog('media')} onAlt=${setAltFor} />
          <div class="form-grid">
            <div class=${'field' + (fieldErr.link ? ' has-error' : '')}>
              <label for=${ids + '-link'}>${t('compose.link_label')}</label>
              <input id=${ids + '-link'} type="url" inputmode="url" value=${form.link} onInput=${(e) => set('link')(e.currentTarget.value)}
                readonly=${!editable} placeholder="https://" data-testid="compose-link"
                aria-invalid=${fieldErr.link || (form.link.trim() && !LINK_OK.test(form.link.trim())) ? 'true' : undefined} aria-describedby=${ids + '-link-h'} />
              <p class=${fieldErr.link ? 'field-error' : 'hint'} id=${ids + '-link-h'}>${fieldErr.link
                || (form.link.trim() && !LINK_OK.test(form.link.trim()) ? t('compose.link_invalid') : t('compose.link_hint'))}</p>
            </div>
            <div class="field">
              <label for=${ids + '-type'}>${t('compose.type_label')}</label>
              <select id=${ids + '-type'} value=${form.content_type} disabled=${!editable} onChange=${(e) => set('content_type')(e.currentTarget.value)} data-testid="compose-type">
                ${TYPES.map((x) => html`<option value=${x} key=${x}>${t('types.' + x)}</option>`)}
              </select>
            </div>
          </div>
          <div class=${'field' + (fieldErr.tags ? ' has-error' : '')}>
            <label for=${ids + '-tags'}>${t('compose.tags_label')}</label>
            <input id=${ids + '-tags'} value=${form.tags} onInput=${(e) => set('tags')(e.currentTarget.value)} readonly=${!editable}
              placeholder=${t('compose.tags_placeholder')} data-testid="compose-tags" aria-describedby=${ids + '-tags-h'} />
            <p class=${fieldErr.tags ? 'field-error' : 'hint'} id=${ids + '-tags-h'}>${fieldErr.tags || t('compose.tags_hint')}</p>
          </div>
          <div class="field">
            <label for=${ids + '-notes'}>${t('compose.notes_label')}</label>
            <textarea id=${ids + '-notes'} rows="2" value=${form.notes} onInput=${(e) => set('notes')(e.currentTarget.value)} readonly=${!editable}
              placeholder=${t('compose.notes_placeholder')} data-testid="compose-notes"></textarea>
          </div>
          <fieldset class=${'channels' + (fieldErr.channel_ids ? ' has-error' : '')} data-testid="compose-channels">
            <legend>${t('compose.channels_label')}</legend>
            ${channels.length === 0 ? html`<p class="muted small" data-testid="no-channels">${t('compose.no_channels')}</p>`
              : html`<div class="channel-list">${channels.filter((c) => canDraft || form.channel_ids.includes(c.id)).map((c) => html`<label key=${c.id} class=${'channel-opt' + (form.channel_ids.includes(c.id) ? ' on' : '')}>
                  <input type="checkbox" checked=${form.channel_ids.includes(c.id)} disabled=${!editable}
                    onChange=${(e) => toggleChannel(c.id, e.currentTarget.checked)} data-testid=${'channel-' + c.id} data-network=${c.network} />
                  <${NetBadge} network=${c.network} />
                  <span class="channel-text"><span class="channel-name">${c.name}</span><span class="muted small">${networkName(c.network)}${c.handle ? ' · ' + c.handle : ''}</span></span>
                </label>`)}</div>`}
            ${fieldErr.channel_ids && html`<p class="field-error">${fieldErr.channel_ids}</p>`}
          </fieldset>
          <div class="compose-actions" data-testid="compose-actions">
            ${show.save && html`<button type="button" class="btn btn-secondary" disabled=${busy || save.state === 'saving'} onClick=${() => act(saveNow)} data-testid="action-save">
              ${state === 'new' || state === 'draft' ? t('compose.save_draft') : t('compose.save_changes')}</button>`}
            ${show.submit && html`<button type="button" class="btn btn-primary" disabled=${busy} onClick=${() => act(async () => setDialog('submit'))} data-testid="action-submit">
              <${Icon} name="send" />${t('compose.submit')}</button>`}
            ${show.approve && html`<button type="button" class="btn btn-primary" disabled=${busy} onClick=${() => act(async () => afterAction(await approvePost(app, post)))} data-testid="action-approve">
              <${Icon} name="check" />${t('approvals.approve')}</button>`}
            ${show.changes && html`<button type="button" class="btn btn-secondary" disabled=${busy} onClick=${() => setDialog('changes')} data-testid="action-changes">
              <${Icon} name="undo" />${t('approvals.request_changes')}</button>`}
            ${show.schedule && html`<button type="button" class=${'btn ' + (state === 'approved' ? 'btn-primary' : 'btn-secondary')} disabled=${busy} onClick=${() => act(async () => setDialog('schedule'))} data-testid="action-schedule">
              <${Icon} name="clock" />${t('compose.schedule')}</button>`}
            ${show.unschedule && html`<button type="button" class="btn btn-secondary" disabled=${busy} data-testid="action-unschedule"
              onClick=${() => act(async () => { afterAction((await api.post(postPath(app, post.id, '/unschedule'))).post); toast(t('compose.unscheduled')); })}>
              ${t('compose.unschedule')}</button>`}
            ${show.reopen && html`<button type="button" class="btn btn-secondary" disabled=${busy} data-testid="action-reopen"
              onClick=${() => act(async () => { afterAction((await api.post(postPath(app, post.id, '/reopen'))).post); toast(t('compose.reopened')); })}>
              ${t('compose.reopen')}</button>`}
            ${show.cancel && html`<button type="button" class="btn btn-ghost btn-danger-text" disabled=${busy} onClick=${() => setDialog('cancel')} data-testid="action-cancel">
              ${t('compose.cancel_post')}</button>`}
          </div>
          ${show.schedule && problems > 0 && html`<p class="hint warn" data-testid="schedule-blocked">${t('compose.fix_first')}</p>`}
          ${canDraft && !can('posts.schedule') && (state === 'new' || state === 'draft') && html`<p class="hint" data-testid="creative-note">${t('compose.creative_note')}</p>`}
        <//>
        ${post && PUB_STATES.includes(post.state) && html`<${PublishingTimeline} app=${app} post=${post}
          onPostChanged=${() => api.get(postPath(app, post.id)).then((r) => applyPost(r.post), () => {})} />`}
        ${post && html`<${Thread} app=${app} post=${post} onPost=${applyPost} />`}
      </section>

      <section class="compose-previews" aria-labelledby=${ids + '-ph'} data-testid="previews">
        <h2 id=${ids + '-ph'} class="previews-title">${t('compose.previews_title')}</h2>
        ${selected.length === 0
          ? html`<div class="card pv-none" data-testid="previews-empty"><${Icon} name="eye" /><p>${t('compose.previews_empty')}</p></div>`
          : selected.map((c) => {
            const v = post && (post.variants || []).find((x) => x.channel.id === c.id);
            const editing = v && Object.prototype.hasOwnProperty.call(edits, v.id) ? edits[v.id] : undefined;
            const local = editing !== undefined ? editing : v && v.text !== null ? v.text : form.master_text;
            const synced = !!v && !pendingPost && !pendingVariants.includes(v.id) && save.state !== 'saving';
            const mediaIds = v && Array.isArray(v.media) ? v.media : form.media;
            const items = mediaIds.map((id) => mediaInfo[id] || { id, type: 'image', alt_text: '' });
            return html`<${Preview} key=${c.id} app=${app} channel=${c} variant=${v} localText=${local} media=${items}
              synced=${synced} link=${(v && v.link) || form.link} contentType=${form.content_type} canEdit=${editable}
              editing=${editing} onEdit=${() => editVariant(v)} onEditText=${(x) => editVariantText(v, x)} onMaster=${() => useMaster(v)} onAdapt=${() => adaptVariant(v)} />`;
          })}
      </section>
    </div>

    ${dialog === 'media' && html`<${MediaPicker} app=${app} selected=${form.media} onLearn=${learnMedia}
      onDone=${(ids) => { setMedia(ids); setDialog(''); }} onClose=${() => setDialog('')} />`}
    ${altFor && html`<${AltDialog} app=${app} item=${altFor} onSaved=${(m) => learnMedia([m])} onClose=${() => setAltFor(null)} />`}
    ${dialog === 'submit' && html`<${SubmitDialog} app=${app} post=${post} onDone=${afterAction} onClose=${() => setDialog('')} />`}
    ${dialog === 'changes' && html`<${ChangesDialog} app=${app} post=${post} onDone=${afterAction} onClose=${() => setDialog('')} />`}
    ${dialog === 'schedule' && html`<${ScheduleDialog} app=${app} post=${post} onDone=${afterAction} onClose=${() => setDialog('')} />`}
    ${dialog === 'cancel' && html`<${Confirm} title=${t('compose.cancel_title')} message=${t('compose.cancel_body')} confirmLabel=${t('compose.cancel_post')}
      onClose=${() => setDialog('')} onConfirm=${async () => { afterAction((await api.post(postPath(app, p.id, '/cancel'))).post); toast(t('compose.canceled')); }} />`}
  </div>`;
}
