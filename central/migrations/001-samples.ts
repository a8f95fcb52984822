/**
 * The Central Quarantine's samples: one row per sample id (the upload that stored it; later
 * uploads of the same id only count `receipts`). The bytes live in the blob folder.
 */
export const sql = `
CREATE TABLE samples (
  id TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  size INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  user_name TEXT,
  computer TEXT NOT NULL,
  address TEXT,
  date_quarantined TEXT NOT NULL,
  date_received TEXT NOT NULL,
  date_analyzed TEXT,
  priority INTEGER NOT NULL,
  side_effects INTEGER NOT NULL,
  endpoint_virus TEXT NOT NULL,
  endpoint_sequence INTEGER,
  state TEXT NOT NULL,
  status TEXT NOT NULL,
  virus TEXT NOT NULL,
  scan_sequence INTEGER,
  definitions_needed INTEGER,
  errors TEXT NOT NULL DEFAULT '[]',
  receipts INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX samples_received ON samples (date_received);
`;
