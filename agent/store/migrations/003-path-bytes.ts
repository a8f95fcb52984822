/**
 * Paths whose names are not valid UTF-8 (a Latin-1 `café.com`): the exact bytes of the original
 * path and of a restore target, kept beside the text columns, which then hold a display form with
 * `\xNN` escapes. NULL when the text column is the exact path (every row written before).
 */
export const sql = `
ALTER TABLE quarantine_items ADD COLUMN original_path_bytes BLOB;
ALTER TABLE quarantine_items ADD COLUMN restore_target_bytes BLOB;
`;
