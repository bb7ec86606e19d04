-- Learned rate limits and the purge of finished jobs.

-- A rate-limit window a network reported exhausted (remaining 0, or a 429
-- that asked to wait), kept until it resets so that a restarted process
-- or a second one (`kanal worker`) holds its calls too. Windows with calls
-- left live only in each process's memory. key: "acct:<channel id>" or
-- "app:<network>:<app>" (the webhook's host, the OAuth client).
CREATE TABLE rate_windows (
  key         TEXT PRIMARY KEY,
  network     TEXT NOT NULL,
  lim         BIGINT,                        -- calls per window, when known
  reset_at    BIGINT NOT NULL,               -- UTC ms the window opens again
  updated_at  BIGINT NOT NULL
);

-- The scheduler deletes finished jobs past their retention in small
-- batches, oldest first.
CREATE INDEX jobs_done_at ON jobs(done_at) WHERE done_at IS NOT NULL;
CREATE INDEX jobs_dead_at ON jobs(dead_at) WHERE dead_at IS NOT NULL;
