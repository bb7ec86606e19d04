-- Media library: a workspace's images and videos. The bytes live on disk,
-- content addressed by SHA-256 (<folder of the database>/media/ab/cd/<sha256>),
-- stored once however many workspaces hold them; a row per workspace says
-- what people know about them. media_uses is kept by triggers on posts and
-- variants, so that "in use" can never drift from the posts' media lists.

CREATE TABLE media (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: posts keep ids in JSON
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
  kind         TEXT NOT NULL CHECK (kind IN ('image', 'video')),
  format       TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'gif', 'webp', 'mp4', 'mov')),
  width        INTEGER,                       -- as displayed (EXIF orientation applied)
  height       INTEGER,
  frames       INTEGER NOT NULL DEFAULT 1,    -- animated GIF / WebP
  duration_ms  INTEGER,                       -- videos
  bytes        INTEGER NOT NULL,
  filename     TEXT NOT NULL DEFAULT '',      -- as uploaded, for people only (never trusted)
  alt_text     TEXT NOT NULL DEFAULT '',
  tags_json    TEXT NOT NULL DEFAULT '[]',
  created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (workspace_id, sha256),              -- the same bytes again: the existing item
  UNIQUE (workspace_id, id)
);
CREATE INDEX media_sha ON media(sha256);

-- One row per (post master or variant) x media item it lists.
CREATE TABLE media_uses (
  workspace_id INTEGER NOT NULL,
  media_id     INTEGER NOT NULL,
  post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  variant_id   INTEGER REFERENCES variants(id) ON DELETE CASCADE,  -- NULL: the post's master media
  FOREIGN KEY (workspace_id, media_id) REFERENCES media(workspace_id, id)
);
CREATE INDEX media_uses_media ON media_uses(media_id);
CREATE INDEX media_uses_post ON media_uses(post_id, variant_id);

-- Only ids of the post's own workspace that exist are recorded; the code
-- refuses anything else before it gets here (post.media).
CREATE TRIGGER media_uses_post_insert AFTER INSERT ON posts BEGIN
  INSERT INTO media_uses (workspace_id, media_id, post_id, variant_id)
    SELECT NEW.workspace_id, m.id, NEW.id, NULL FROM json_each(NEW.media_json) j
    JOIN media m ON m.workspace_id = NEW.workspace_id AND m.id = j.value;
END;

CREATE TRIGGER media_uses_post_update AFTER UPDATE OF media_json ON posts BEGIN
  DELETE FROM media_uses WHERE post_id = NEW.id AND variant_id IS NULL;
  INSERT INTO media_uses (workspace_id, media_id, post_id, variant_id)
    SELECT NEW.workspace_id, m.id, NEW.id, NULL FROM json_each(NEW.media_json) j
    JOIN media m ON m.workspace_id = NEW.workspace_id AND m.id = j.value;
END;

CREATE TRIGGER media_uses_variant_insert AFTER INSERT ON variants BEGIN
  INSERT INTO media_uses (workspace_id, media_id, post_id, variant_id)
    SELECT NEW.workspace_id, m.id, NEW.post_id, NEW.id FROM json_each(NEW.media_json) j
    JOIN media m ON m.workspace_id = NEW.workspace_id AND m.id = j.value;
END;

CREATE TRIGGER media_uses_variant_update AFTER UPDATE OF media_json ON variants BEGIN
  DELETE FROM media_uses WHERE variant_id = NEW.id;
  INSERT INTO media_uses (workspace_id, media_id, post_id, variant_id)
    SELECT NEW.workspace_id, m.id, NEW.post_id, NEW.id FROM json_each(NEW.media_json) j
    JOIN media m ON m.workspace_id = NEW.workspace_id AND m.id = j.value;
END;
