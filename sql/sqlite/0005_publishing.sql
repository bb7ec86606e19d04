-- Publishing: the durable job queue, one publication per variant and
-- occurrence with every attempt recorded before its network call, channel
-- credentials encrypted at rest, the crisis pause and the grace window.

-- A durable job. Claimed with a lease (lease_owner until lease_until); a
-- crashed worker's lease runs out (or is reaped when its process is known
-- dead) and the job is claimed again. done_at: finished; dead_at: gave up
-- after max_attempts, last_error says why.
CREATE TABLE jobs (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL,                 -- 'publish'
  payload         TEXT NOT NULL DEFAULT '{}',    -- JSON
  workspace_id    INTEGER REFERENCES workspaces(id) ON DELETE CASCADE,
  channel_id      INTEGER,                       -- the scope a pause applies to
  run_at          INTEGER NOT NULL,              -- due (UTC ms)
  attempts        INTEGER NOT NULL DEFAULT 0,    -- claims so far
  max_attempts    INTEGER NOT NULL DEFAULT 6,
  lease_owner     TEXT,                          -- "host:pid:boot:thread"
  lease_until     INTEGER,
  idempotency_key TEXT NOT NULL UNIQUE,
  last_error      TEXT,
  dead_at         INTEGER,
  done_at         INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at, id) WHERE done_at IS NULL AND dead_at IS NULL;
CREATE INDEX jobs_ws ON jobs(workspace_id, channel_id) WHERE done_at IS NULL AND dead_at IS NULL;

-- One variant published at one occurrence of its post. The idempotency key
-- ("v<variant>-<due ms>") is what the network sees on every attempt.
CREATE TABLE publications (
  id              INTEGER PRIMARY KEY,
  workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  post_id         INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  variant_id      INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
  channel_id      INTEGER NOT NULL,
  network         TEXT NOT NULL,
  due_at          INTEGER NOT NULL,              -- the occurrence (UTC ms)
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'publishing', 'published',
                    'failed', 'unconfirmed', 'missed', 'awaiting_manual', 'canceled')),
  remote_id       TEXT,
  remote_url      TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,    -- network calls started
  last_error      TEXT,                          -- a sentence safe to show
  last_error_code TEXT,                          -- e.g. "webhook.rejected"
  idempotency_key TEXT NOT NULL UNIQUE,
  published_at    INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (variant_id, due_at)
);
CREATE INDEX publications_post ON publications(workspace_id, post_id, due_at);
CREATE INDEX publications_state ON publications(workspace_id, state, id);

-- Every network call, written and committed before the call; finished_at
-- and outcome are committed after it. An attempt without an outcome after a
-- crash is "unknown": reconciled before anything else is tried.
CREATE TABLE attempts (
  id              INTEGER PRIMARY KEY,
  workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  publication_id  INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
  attempt         INTEGER NOT NULL,              -- 1, 2, ...
  kind            TEXT NOT NULL DEFAULT 'publish' CHECK (kind IN ('publish', 'reconcile')),
  idempotency_key TEXT NOT NULL,
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  outcome         TEXT CHECK (outcome IN ('published', 'retry', 'failed', 'unknown', 'auth', 'found',
                    'not_found', 'interrupted')),
  http_status     INTEGER,
  message         TEXT,
  UNIQUE (publication_id, attempt)
);
CREATE INDEX attempts_open ON attempts(publication_id) WHERE finished_at IS NULL;

-- A channel's credentials (webhook URL and secret, tokens): one sealed
-- JSON object, XChaCha20-Poly1305 under a key derived from the server's
-- secret key, the channel id as associated data, "<key id>.<base64>".
CREATE TABLE channel_accounts (
  channel_id   INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  secrets_enc  TEXT NOT NULL,
  state_enc    TEXT,                             -- connector state (sessions), sealed the same way
  summary      TEXT NOT NULL DEFAULT '',         -- what people may see: "webhook to hooks.example.com"
  status       TEXT NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'needs_reconnect')),
  connected_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  connected_at INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- The crisis pause: a row pauses the workspace (channel_id 0) or one channel.
CREATE TABLE publishing_pauses (
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  channel_id   INTEGER NOT NULL DEFAULT 0,
  paused_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  reason       TEXT NOT NULL DEFAULT '',
  paused_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, channel_id)
);

-- How late a publication may still go out after downtime or a pause.
ALTER TABLE workspaces ADD COLUMN publish_grace_ms INTEGER NOT NULL DEFAULT 900000;

-- The next occurrence of a scheduled post not yet turned into
-- publications (the scheduler's cursor); NULL when nothing is left to plan.
ALTER TABLE posts ADD COLUMN next_due_at INTEGER;
UPDATE posts SET next_due_at = scheduled_at WHERE state = 'scheduled';
CREATE INDEX posts_next_due ON posts(next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX jobs_dead ON jobs(dead_at) WHERE dead_at IS NOT NULL;
CREATE INDEX publications_open ON publications(state) WHERE state IN ('pending', 'publishing');
