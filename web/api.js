// api: the one place the UI talks to kanal's REST API (/api/v1, docs/api.md).
// Same-origin cookie session; every state-changing call carries X-CSRF-Token.

let csrfToken = '';
let authLost = null;

export function setCsrf(token) {
  csrfToken = token || '';
}

// fn(err) is called when the session is gone (401 auth.required / auth.invalid).
export function onAuthLost(fn) {
  authLost = fn;
}

// A problem+json answer (RFC 9457) as an Error: code, detail, field, status.
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.code = (problem && problem.code) || '';
    this.detail = (problem && problem.detail) || '';
    this.field = (problem && problem.field) || '';
    this.retryAfter = retryAfter || '';
  }

  // "$.timezone" -> "timezone"; "" when the problem names no field.
  get fieldName() {
    return this.field.replace(/^\$\.?/, '');
  }
}

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch('/api/v1' + path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, { code: 'network.offline', detail: String(e && e.message) });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const err = new ApiError(res.status, data || { code: '', detail: res.statusText }, res.headers.get('retry-after'));
    if (res.status === 401 && (err.code === 'auth.required' || err.code === 'auth.invalid') && authLost) authLost(err);
    throw err;
  }
  return data;
}

// POST a multipart/form-data body (a FormData: file, alt_text, tags) with
// the session's CSRF token. XMLHttpRequest rather than fetch because only it
// reports upload progress: onProgress(sent, total) while the bytes go out.
// Resolves with the JSON answer; rejects with an ApiError as request() does.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1' + path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    if (onProgress) {
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded, e.total);
      };
    }
    xhr.onerror = () => reject(new ApiError(0, { code: 'network.offline', detail: 'upload failed' }));
    xhr.onabort = () => reject(new ApiError(0, { code: 'network.offline', detail: 'upload aborted' }));
    xhr.onload = () => {
      let data = null;
      if ((xhr.getResponseHeader('content-type') || '').includes('json')) {
        try {
          data = JSON.parse(xhr.responseText);
        } catch (e) {
          data = null;
        }
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data);
        return;
      }
      const err = new ApiError(xhr.status, data || { code: '', detail: xhr.statusText }, xhr.getResponseHeader('retry-after'));
      if (xhr.status === 401 && (err.code === 'auth.required' || err.code === 'auth.invalid') && authLost) authLost(err);
      reject(err);
    };
    xhr.send(form);
  });
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body === undefined ? {} : body),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path) => request('DELETE', path),
};

// Workspace-scoped path: wsPath(2, '/members') -> '/workspaces/2/members'.
export function wsPath(ws, rest = '') {
  return `/workspaces/${encodeURIComponent(ws)}${rest}`;
}
