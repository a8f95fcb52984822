import { formatAgeShort } from './format-age.js';
import { html, type SafeHtml } from './html-escape.js';
import { csrfField } from './console-layout.js';
import { SORT_COLUMNS, type ItemRow, type PageRequest, type SortKey } from './sample-page-query.js';
import { SAMPLE_STATES, SAMPLE_STATUSES } from '../sample-statuses.js';

export const PAGE_SIZE = 50;

const COLUMNS: readonly [SortKey, string][] = [
  ['fileName', 'File name'], ['user', 'User'], ['computer', 'Computer'], ['analyzed', 'Analyzed'], ['age', 'Age'],
  ['state', 'Sample state'], ['neededDefs', 'Definitions needed'], ['status', 'Status'], ['virus', 'Virus'],
];

/**
 * Reads the items view's query string into a page request; anything unknown falls back to the
 * default (age, newest first), so a hand-edited URL never fails. Never throws.
 */
export function parsePageRequest(params: URLSearchParams): PageRequest {
  const sort = params.get('sort') ?? '';
  const page = Number(params.get('page') ?? '0');
  const text = (name: string): string | null => {
    const v = params.get(name)?.trim();
    return v ? v : null;
  };
  return {
    sort: sort in SORT_COLUMNS ? (sort as SortKey) : 'age',
    descending: sort in SORT_COLUMNS ? params.get('dir') === 'desc' : true,
    status: text('status'),
    state: text('state'),
    search: text('q'),
    page: Number.isSafeInteger(page) && page >= 0 ? page : 0,
    pageSize: PAGE_SIZE,
  };
}

function queryString(req: PageRequest, change: Partial<Record<'sort' | 'dir' | 'page', string>>): string {
  const p = new URLSearchParams();
  p.set('sort', change.sort ?? req.sort);
  p.set('dir', change.dir ?? (req.descending ? 'desc' : 'asc'));
  if (req.status) p.set('status', req.status);
  if (req.state) p.set('state', req.state);
  if (req.search) p.set('q', req.search);
  p.set('page', change.page ?? String(req.page));
  return `?${p.toString()}`;
}

function options(values: readonly string[], chosen: string | null): SafeHtml[] {
  return [html`<option value="">(any)</option>`, ...values.map((v) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${v}</option>`)];
}

function renderRow(r: ItemRow, now: number): SafeHtml {
  const errors = (JSON.parse(r.errors) as { word: string }[]).map((e) => e.word).join(', ');
  return html`<tr data-id="${r.id}"><td><input type="checkbox" name="ids" value="${r.id}" form="delete-form" aria-label="select ${r.fileName}"></td>
<td><a href="/console/items/${encodeURIComponent(r.id)}">${r.fileName}</a></td><td>${r.user ?? ''}</td><td>${r.computer}</td>
<td>${r.dateAnalyzed ? 'yes' : 'no'}</td><td title="${r.dateQuarantined}">${formatAgeShort(r.dateQuarantined, now)}</td><td>${r.state}</td>
<td>${r.definitionsNeeded ?? ''}</td><td>${r.status}</td><td>${r.virus}</td><td class="error">${errors}</td></tr>`;
}

/** The items view (Table 3-1): filters, sortable headers, one page of rows, the pager, delete. */
export function renderItemsBody(req: PageRequest, rows: readonly ItemRow[], total: number, csrf: string, now = Date.now()): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / req.pageSize));
  const header = COLUMNS.map(([key, label]) => {
    const dir = req.sort === key && !req.descending ? 'desc' : 'asc';
    const mark = req.sort === key ? (req.descending ? ' ▼' : ' ▲') : '';
    return html`<th><a href="${queryString(req, { sort: key, dir, page: '0' })}" data-sort="${key}">${label}${mark}</a></th>`;
  });
  return html`<form method="get" action="/console/items" class="filters">
<label>Search <input type="search" name="q" value="${req.search ?? ''}"></label>
<label>Status <select name="status">${options(Object.keys(SAMPLE_STATUSES), req.status)}</select></label>
<label>State <select name="state">${options(SAMPLE_STATES, req.state)}</select></label>
<input type="hidden" name="sort" value="${req.sort}"><input type="hidden" name="dir" value="${req.descending ? 'desc' : 'asc'}">
<button type="submit">Apply</button></form>
<form method="post" action="/console/items/delete" id="delete-form" data-confirm="Delete the selected items from the Central Quarantine?">${csrfField(csrf)}
<input type="hidden" name="back" value="${queryString(req, {})}">
<button type="submit">Delete selected</button></form>
<p class="pager" id="pager">${total} item(s); page ${req.page + 1} of ${pages}
${req.page > 0 ? html`<a href="${queryString(req, { page: String(req.page - 1) })}" rel="prev">Previous</a>` : ''}
${req.page + 1 < pages ? html`<a href="${queryString(req, { page: String(req.page + 1) })}" rel="next">Next</a>` : ''}</p>
<table id="items"><thead><tr><th><input type="checkbox" id="select-all" aria-label="select all"></th>${header}<th>Errors</th></tr></thead>
<tbody>${rows.map((r) => renderRow(r, now))}</tbody></table>`;
}
