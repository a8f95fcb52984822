/**
 * Quarantined files' access and modification times to the nanosecond, as decimal text (SQLite's
 * INTEGER would do, but better-sqlite3 reads it back as a double, which keeps only about a
 * microsecond). Rows from before keep what `*_ms` held, rounded to the microsecond it carried.
 */
export const sql = `
ALTER TABLE quarantine_items ADD COLUMN atime_ns TEXT NOT NULL DEFAULT '0';
ALTER TABLE quarantine_items ADD COLUMN mtime_ns TEXT NOT NULL DEFAULT '0';
UPDATE quarantine_items SET
  atime_ns = CAST(CAST(round(atime_ms * 1000) AS INTEGER) * 1000 AS TEXT),
  mtime_ns = CAST(CAST(round(mtime_ms * 1000) AS INTEGER) * 1000 AS TEXT);
`;
