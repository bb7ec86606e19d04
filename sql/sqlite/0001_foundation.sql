-- Foundation: people, workspaces, roles, sessions, API tokens, audit log.
-- Times are UTC epoch milliseconds; ids are 64-bit integers.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,          -- lower-cased at the edge
  name          TEXT NOT NULL,
  password_hash TEXT,                          -- NULL: cannot sign in until set
  language      TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'sq')),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE workspaces (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  slug       TEXT NOT NULL UNIQUE,
  timezone   TEXT NOT NULL,                    -- IANA zone
  language   TEXT NOT NULL CHECK (language IN ('en', 'sq')),
  currency   TEXT NOT NULL,                    -- ISO 4217
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE memberships (
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('owner', 'strategist', 'content_manager',
                 'community_manager', 'analyst', 'campaign_manager', 'creative', 'client_approver')),
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE sessions (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,           -- BLAKE2b of the cookie value
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- who created it
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,                  -- first characters, for people to recognise it
  role         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  expires_at   INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_tokens_ws ON api_tokens(workspace_id);

CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY,
  workspace_id   INTEGER REFERENCES workspaces(id) ON DELETE CASCADE,  -- NULL: not workspace data
  actor_user_id  INTEGER,
  actor_token_id INTEGER,
  actor_label    TEXT NOT NULL,                -- "Elira Hoxha", "token:ci", "cli"
  action         TEXT NOT NULL,                -- "member.add", "workspace.update", ...
  target         TEXT NOT NULL,                -- "user:12"
  before_json    TEXT,
  after_json     TEXT,
  request_id     TEXT,
  created_at     INTEGER NOT NULL
);
CREATE INDEX audit_ws ON audit_log(workspace_id, id);
