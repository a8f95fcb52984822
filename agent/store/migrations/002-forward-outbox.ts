/**
 * The forwarding outbox: one row per quarantined item bound for the Central Quarantine.
 * `pending` rows are sent when `next_attempt_at` (epoch ms) has come; `sent` ones are polled for
 * their status until the server reports a final state (`done`); `refused` ones wait for a person
 * (`epq central resend`). No foreign key to quarantine_items: the quarantine deletes its rows on
 * its own, and the forwarder drops an entry whose item is gone when it gets to it.
 */
export const sql = `
CREATE TABLE forward_outbox (
  item_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done', 'refused')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  enqueued_at TEXT NOT NULL,
  sent_at TEXT,
  remote_status TEXT,
  remote_state TEXT,
  checked_at TEXT
) STRICT;
CREATE INDEX forward_outbox_due ON forward_outbox (state, next_attempt_at);
`;
