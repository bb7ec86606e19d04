-- Content studio: channels (a workspace's accounts), posts with one
-- variant per channel, approval comments, review share links.

CREATE TABLE channels (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  network      TEXT NOT NULL CHECK (network IN ('x', 'mastodon', 'bluesky', 'threads', 'instagram',
                 'linkedin', 'facebook', 'tiktok', 'webhook', 'manual')),
  name         TEXT NOT NULL,                 -- display name, e.g. "Hotel Guri i Kuq (Instagram)"
  handle       TEXT NOT NULL DEFAULT '',      -- @account as the network shows it
  limits_json  TEXT NOT NULL DEFAULT '{}',    -- per-instance overrides of the network's limits
  slots_json   TEXT NOT NULL DEFAULT '[]',    -- posting slots: [{"day":1..7,"time":"HH:MM"}]
  timezone     TEXT NOT NULL,                 -- IANA zone of the slots
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  deleted_at   INTEGER
);
CREATE INDEX channels_ws ON channels(workspace_id);

CREATE TABLE posts (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  state         TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'in_review', 'approved', 'scheduled',
                  'publishing', 'published', 'failed', 'unconfirmed', 'canceled')),
  title         TEXT NOT NULL DEFAULT '',     -- internal working title
  master_text   TEXT NOT NULL DEFAULT '',
  link          TEXT,
  content_type  TEXT NOT NULL DEFAULT 'text' CHECK (content_type IN ('text', 'image', 'video', 'link',
                  'carousel', 'thread', 'story')),
  media_json    TEXT NOT NULL DEFAULT '[]',   -- media ids, in order
  tags_json     TEXT NOT NULL DEFAULT '[]',
  notes         TEXT NOT NULL DEFAULT '',     -- internal notes, never published
  campaign_id   INTEGER,                      -- filled by the campaigns issue
  persona_id    INTEGER,                      -- filled by the strategy issue
  scheduled_at  INTEGER,                      -- UTC ms
  sched_local   TEXT,                         -- "2026-12-01T09:00" as the person chose it
  sched_zone    TEXT,                         -- the IANA zone they chose it in
  recurrence_json TEXT,                       -- {"freq","interval","days","until","count"} or NULL
  created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX posts_ws_sched ON posts(workspace_id, scheduled_at);
CREATE INDEX posts_ws_state ON posts(workspace_id, state, id);
CREATE INDEX posts_ws_recurring ON posts(workspace_id, scheduled_at) WHERE recurrence_json IS NOT NULL;

CREATE TABLE variants (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  post_id       INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  channel_id    INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  text          TEXT,                         -- NULL: adapted from the master
  link          TEXT,
  first_comment TEXT,
  alt_text      TEXT,
  thread_json   TEXT,                         -- an explicit thread split: ["part 1", "part 2"]
  media_json    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (post_id, channel_id)
);
CREATE INDEX variants_post ON variants(workspace_id, post_id, channel_id);

CREATE TABLE post_comments (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
  author       TEXT NOT NULL,                 -- a name, or "Review link" for share-link reviewers
  kind         TEXT NOT NULL CHECK (kind IN ('comment', 'approve', 'request_changes', 'submit')),
  body         TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);
CREATE INDEX post_comments_post ON post_comments(workspace_id, post_id, id);
