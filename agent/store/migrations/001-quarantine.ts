/** The quarantine: one row per package; file bytes live in the encrypted blob folder. */
export const sql = `
CREATE TABLE quarantine_items (
  id TEXT PRIMARY KEY,
  phase TEXT NOT NULL CHECK (phase IN ('writing', 'stored', 'complete', 'restoring', 'restored', 'deleted')),
  file_name TEXT NOT NULL,
  original_path TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  dev INTEGER NOT NULL,
  ino INTEGER NOT NULL,
  mode INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  gid INTEGER NOT NULL,
  atime_ms REAL NOT NULL,
  mtime_ms REAL NOT NULL,
  user_name TEXT NOT NULL,
  computer TEXT NOT NULL,
  quarantined_at TEXT NOT NULL,
  virus_name TEXT NOT NULL,
  detections TEXT NOT NULL,
  definitions_sequence INTEGER NOT NULL,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  errors TEXT NOT NULL DEFAULT '[]',
  side_effects TEXT NOT NULL DEFAULT '[]',
  package_size INTEGER NOT NULL DEFAULT 0,
  original_removed INTEGER NOT NULL DEFAULT 0,
  restore_target TEXT,
  restored_at TEXT,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX quarantine_items_phase ON quarantine_items (phase);
CREATE INDEX quarantine_items_date ON quarantine_items (quarantined_at);

CREATE TABLE exceptions (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('sha256', 'path', 'signature')),
  value TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (kind, value)
) STRICT;
`;
