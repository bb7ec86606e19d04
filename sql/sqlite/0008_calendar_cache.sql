-- A version per workspace that moves whenever anything the calendar shows
-- may have changed (posts, their variants and channels, the workspace's
-- zone), so that a rendered month can be kept and served again while the
-- version is the same (src/core/schedule.c). Triggers keep it, so every
-- writer — kanal, the CLI, an import — moves it in the same transaction.
-- No foreign key: the row must outlive a cascade delete; a workspace made
-- later with the same id moves it on insert, so it never meets a month
-- kept for the old one.
CREATE TABLE calendar_versions (
  workspace_id INTEGER PRIMARY KEY,
  version      INTEGER NOT NULL
);

CREATE TRIGGER cal_ws_insert AFTER INSERT ON workspaces BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_ws_zone AFTER UPDATE OF timezone ON workspaces BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_post_insert AFTER INSERT ON posts BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_post_update AFTER UPDATE ON posts BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_post_delete AFTER DELETE ON posts BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_variant_insert AFTER INSERT ON variants BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_variant_update AFTER UPDATE OF channel_id, post_id ON variants BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_variant_delete AFTER DELETE ON variants BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_channel_update AFTER UPDATE OF network, deleted_at ON channels BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cal_channel_delete AFTER DELETE ON channels BEGIN
  INSERT INTO calendar_versions (workspace_id, version) VALUES (OLD.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1;
END;

INSERT INTO calendar_versions (workspace_id, version) SELECT id, 1 FROM workspaces;
