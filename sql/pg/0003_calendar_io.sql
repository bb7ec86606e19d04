-- Calendar feed: one secret iCalendar URL per workspace. The URL's token
-- is derived from a random seed and the server's secret key, so that the
-- database alone does not reveal it; it is found again by its hash.

CREATE TABLE calendar_feeds (
  workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  seed         TEXT NOT NULL,                 -- 64 hex characters, random; replaced on rotation
  token_hash   TEXT NOT NULL UNIQUE,          -- BLAKE2b of the URL token, for lookup
  created_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL               -- last rotation
);
