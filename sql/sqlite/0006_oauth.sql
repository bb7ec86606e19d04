-- OAuth: connecting a channel through the network's authorization page
-- (authorization code + PKCE), the apps kanal registers on Mastodon
-- instances, and the claim that lets one worker at a time spend a
-- channel's refresh token.

-- One authorization in flight. The state travels through the browser, so
-- only its hash is kept; it is bound to the session that started it, used
-- once, and short-lived. The PKCE verifier is sealed (channel id as
-- associated data).
CREATE TABLE oauth_states (
  id           INTEGER PRIMARY KEY,
  state_hash   TEXT NOT NULL UNIQUE,           -- sha256 hex of the state sent
  session_id   INTEGER NOT NULL,               -- sessions(id) of the browser that started it
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  network      TEXT NOT NULL,
  verifier_enc TEXT NOT NULL,                  -- the PKCE code_verifier, sealed
  instance_url TEXT,                           -- Mastodon: the instance
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER
);
CREATE INDEX oauth_states_expiry ON oauth_states(expires_at);

-- kanal's app on a Mastodon instance, registered once per instance and
-- reused: {client_id, client_secret} sealed with the instance URL as
-- associated data.
CREATE TABLE oauth_instance_apps (
  instance_url TEXT PRIMARY KEY,               -- "https://mastodon.example" (no trailing slash)
  client_enc   TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

-- A refresh in flight: the worker that holds the claim (until it runs out)
-- is the only one that may spend the refresh token.
ALTER TABLE channel_accounts ADD COLUMN refresh_owner TEXT;
ALTER TABLE channel_accounts ADD COLUMN refresh_until INTEGER;
