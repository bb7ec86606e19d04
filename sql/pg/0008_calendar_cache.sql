-- A version per workspace that moves whenever anything the calendar shows
-- may have changed (posts, their variants and channels, the workspace's
-- zone), so that a rendered month can be kept and served again while the
-- version is the same (src/core/schedule.c). Triggers keep it, so every
-- writer — kanal, the CLI, an import — moves it in the same transaction.
-- No foreign key: the row must outlive a cascade delete; a workspace made
-- later with the same id moves it on insert, so it never meets a month
-- kept for the old one. PostgreSQL mirror of sql/sqlite/0008: one plpgsql
-- function, row triggers on the same events and columns.
CREATE TABLE calendar_versions (
  workspace_id BIGINT PRIMARY KEY,
  version      BIGINT NOT NULL
);

CREATE FUNCTION cal_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ws BIGINT;
BEGIN
  -- separate branches: a record has only its own table's fields
  IF TG_TABLE_NAME = 'workspaces' THEN
    ws := NEW.id;
  ELSIF TG_OP = 'DELETE' THEN
    ws := OLD.workspace_id;
  ELSE
    ws := NEW.workspace_id;
  END IF;
  INSERT INTO calendar_versions (workspace_id, version) VALUES (ws, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = calendar_versions.version + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER cal_ws_insert AFTER INSERT ON workspaces FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_ws_zone AFTER UPDATE OF timezone ON workspaces FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_post_insert AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_post_update AFTER UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_post_delete AFTER DELETE ON posts FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_variant_insert AFTER INSERT ON variants FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_variant_update AFTER UPDATE OF channel_id, post_id ON variants FOR EACH ROW
  EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_variant_delete AFTER DELETE ON variants FOR EACH ROW EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_channel_update AFTER UPDATE OF network, deleted_at ON channels FOR EACH ROW
  EXECUTE FUNCTION cal_bump();
CREATE TRIGGER cal_channel_delete AFTER DELETE ON channels FOR EACH ROW EXECUTE FUNCTION cal_bump();

INSERT INTO calendar_versions (workspace_id, version) SELECT id, 1 FROM workspaces;
