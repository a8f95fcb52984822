/**
 * One date format for people in every command: local time with its UTC offset, as `date` shows
 * it with `%F %T %z` ("2026-12-04 16:12:50 +0100"). `--json` keeps ISO 8601 as stored.
 */

/** A stored ISO 8601 string, epoch milliseconds or a Date, as local time with its offset; "-" when unreadable. */
export function formatLocalTime(when: string | number | Date): string {
  const t = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(t.getTime())) return typeof when === 'string' && when !== '' ? when : '-';
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const offset = -t.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}
