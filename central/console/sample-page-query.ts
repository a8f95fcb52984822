import type { Statement } from 'better-sqlite3';
import type { CentralDb } from '../central-database.js';

/** The items view's sortable columns (Table 3-1) and the indexed column each sorts by. */
export const SORT_COLUMNS = {
  fileName: 'file_name',
  user: 'user_name',
  computer: 'computer',
  analyzed: 'date_analyzed',
  age: 'date_quarantined',
  state: 'state',
  neededDefs: 'definitions_needed',
  status: 'status',
  virus: 'virus',
} as const;
export type SortKey = keyof typeof SORT_COLUMNS;

/** What the items view asks for: a plan, read from the query string. */
export interface PageRequest {
  readonly sort: SortKey;
  readonly descending: boolean;
  readonly status: string | null;
  readonly state: string | null;
  /** Matches a part of the file, user, computer or virus name. */
  readonly search: string | null;
  /** 0-based. */
  readonly page: number;
  readonly pageSize: number;
}

/** One row of the items view. */
export interface ItemRow {
  readonly id: string;
  readonly fileName: string;
  readonly user: string | null;
  readonly computer: string;
  readonly dateAnalyzed: string | null;
  readonly dateQuarantined: string;
  readonly state: string;
  readonly definitionsNeeded: number | null;
  readonly status: string;
  readonly virus: string;
  readonly errors: string;
}

const SELECT = `SELECT id, file_name AS fileName, user_name AS user, computer, date_analyzed AS dateAnalyzed,
  date_quarantined AS dateQuarantined, state, definitions_needed AS definitionsNeeded, status, virus, errors FROM samples`;
// A filter left out is NULL and matches every row.
const FILTERS = '(@status IS NULL OR status = @status) AND (@state IS NULL OR state = @state)';
/**
 * How a search is read: none; the trigram index (3 characters or more: it finds substrings
 * case-insensitively, like LIKE); or LIKE over every row for a shorter term the index can't hold.
 */
type SearchMode = 'none' | 'index' | 'like';
const WHERE: Record<SearchMode, string> = {
  none: `WHERE ${FILTERS}`,
  index: `WHERE rowid IN (SELECT rowid FROM samples_search WHERE samples_search MATCH @match) AND ${FILTERS}`,
  like: `WHERE ${FILTERS} AND (file_name LIKE @like ESCAPE '\\' OR user_name LIKE @like ESCAPE '\\' OR computer LIKE @like ESCAPE '\\' OR virus LIKE @like ESCAPE '\\')`,
};

function searchMode(search: string | null): SearchMode {
  if (search === null) return 'none';
  return [...search].length >= 3 ? 'index' : 'like';
}

/**
 * The items view's pages, straight from SQL: ORDER BY an indexed column and id, LIMIT/OFFSET,
 * so a page never loads the other samples. The ORDER BY can't be a bound parameter; each
 * (column, direction) statement is built from the constant `SORT_COLUMNS`, never from input,
 * and prepared once.
 */
export class SamplePageQuery {
  private readonly pages = new Map<string, Statement>();
  private readonly counts: Record<SearchMode, Statement>;

  constructor(private readonly db: CentralDb) {
    this.counts = {
      none: db.prepare(`SELECT count(*) AS n FROM samples ${WHERE.none}`),
      index: db.prepare(`SELECT count(*) AS n FROM samples ${WHERE.index}`),
      like: db.prepare(`SELECT count(*) AS n FROM samples ${WHERE.like}`),
    };
  }

  /** One page of rows and how many rows match in all. */
  read(req: PageRequest): { rows: ItemRow[]; total: number } {
    const mode = searchMode(req.search);
    const params: Record<string, string | null> = { status: req.status, state: req.state };
    // A phrase in double quotes (quotes doubled) is matched as literal text, never as FTS syntax.
    if (mode === 'index') params.match = `"${req.search!.replace(/"/g, '""')}"`;
    if (mode === 'like') params.like = `%${req.search!.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = this.statementFor(req.sort, req.descending, mode).all({ ...params, limit: req.pageSize, offset: req.page * req.pageSize }) as ItemRow[];
    const { n } = this.counts[mode].get(params) as { n: number };
    return { rows, total: n };
  }

  private statementFor(sort: SortKey, descending: boolean, mode: SearchMode): Statement {
    const key = `${sort}:${descending}:${mode}`;
    let stmt = this.pages.get(key);
    if (!stmt) {
      const dir = descending ? 'DESC' : 'ASC';
      stmt = this.db.prepare(`${SELECT} ${WHERE[mode]} ORDER BY ${SORT_COLUMNS[sort]} ${dir}, id ${dir} LIMIT @limit OFFSET @offset`);
      this.pages.set(key, stmt);
    }
    return stmt;
  }
}
