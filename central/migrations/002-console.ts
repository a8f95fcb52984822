/**
 * The console: an index per sortable column of the items view (each ending in `id`, the order's
 * tie-break, so a page is read from the index without sorting 100,000 rows), every status
 * transition with its time (Appendix A), the recorded actions of an item's properties, the
 * settings the console edits, and the history of the server's own errors (General Errors).
 * The items view's search is a trigram full-text index over the four names it searches, kept in
 * step by triggers, so a substring search reads the matches instead of every row.
 */
export const sql = `
CREATE INDEX samples_by_file_name ON samples (file_name, id);
CREATE INDEX samples_by_user ON samples (user_name, id);
CREATE INDEX samples_by_computer ON samples (computer, id);
CREATE INDEX samples_by_analyzed ON samples (date_analyzed, id);
CREATE INDEX samples_by_quarantined ON samples (date_quarantined, id);
CREATE INDEX samples_by_state ON samples (state, id);
CREATE INDEX samples_by_status ON samples (status, id);
CREATE INDEX samples_by_virus ON samples (virus, id);
CREATE INDEX samples_by_needed ON samples (definitions_needed, id);
CREATE VIRTUAL TABLE samples_search USING fts5(file_name, user_name, computer, virus, content='samples', content_rowid='rowid', tokenize='trigram');
INSERT INTO samples_search (samples_search) VALUES ('rebuild');
CREATE TRIGGER samples_search_insert AFTER INSERT ON samples BEGIN
  INSERT INTO samples_search (rowid, file_name, user_name, computer, virus) VALUES (new.rowid, new.file_name, new.user_name, new.computer, new.virus);
END;
CREATE TRIGGER samples_search_delete AFTER DELETE ON samples BEGIN
  INSERT INTO samples_search (samples_search, rowid, file_name, user_name, computer, virus) VALUES ('delete', old.rowid, old.file_name, old.user_name, old.computer, old.virus);
END;
CREATE TRIGGER samples_search_update AFTER UPDATE OF file_name, user_name, computer, virus ON samples BEGIN
  INSERT INTO samples_search (samples_search, rowid, file_name, user_name, computer, virus) VALUES ('delete', old.rowid, old.file_name, old.user_name, old.computer, old.virus);
  INSERT INTO samples_search (rowid, file_name, user_name, computer, virus) VALUES (new.rowid, new.file_name, new.user_name, new.computer, new.virus);
END;
CREATE TABLE sample_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sample_id TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  at TEXT NOT NULL,
  reason TEXT NOT NULL
) STRICT;
CREATE INDEX sample_transitions_by_sample ON sample_transitions (sample_id, seq);
CREATE TABLE sample_requests (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sample_id TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;
CREATE INDEX sample_requests_by_sample ON sample_requests (sample_id, seq);
CREATE TABLE console_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE server_errors (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  word TEXT NOT NULL,
  message TEXT NOT NULL
) STRICT;
`;
