/** Which items the tray's list shows, in which order (pure): a sort key and a text filter. */
import type { QuarantineItem } from '../quarantine/quarantine-item.js';

export type SortKey = 'date' | 'name' | 'virus' | 'state';

/** The order `s` steps through. */
export const SORT_KEYS: readonly SortKey[] = ['date', 'name', 'virus', 'state'];

export interface ListView {
  readonly sort: SortKey;
  readonly descending: boolean;
  /** Case-insensitive text that the name, the virus or the state must contain; '' shows all. */
  readonly filter: string;
}

export const DEFAULT_VIEW: ListView = { sort: 'date', descending: false, filter: '' };

const FIELD: Readonly<Record<SortKey, (i: QuarantineItem) => string>> = {
  date: (i) => i.quarantinedAt,
  name: (i) => i.fileName.toLowerCase(),
  virus: (i) => i.virusName.toLowerCase(),
  state: (i) => i.state,
};

/** The items that pass the filter, sorted; ties keep the store's order (oldest first). */
export function visibleItems(items: readonly QuarantineItem[], view: ListView): QuarantineItem[] {
  const needle = view.filter.toLowerCase();
  const shown = needle === ''
    ? [...items]
    : items.filter((i) => [i.fileName, i.virusName, i.state].some((f) => f.toLowerCase().includes(needle)));
  const key = FIELD[view.sort];
  const sign = view.descending ? -1 : 1;
  return shown
    .map((item, at) => ({ item, at, k: key(item) }))
    .sort((a, b) => (a.k < b.k ? -sign : a.k > b.k ? sign : a.at - b.at))
    .map((e) => e.item);
}

/** "sorted by date", "sorted by name (descending), filter "eicar"". */
export function describeView(view: ListView): string {
  const order = `sorted by ${view.sort}${view.descending ? ' (descending)' : ''}`;
  return view.filter === '' ? order : `${order}, filter "${view.filter}"`;
}
