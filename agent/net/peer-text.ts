import { printable } from '../text/printable.js';

/** Longest piece of a peer's text kept in a message. */
const MAX_SHOWN = 300;

/**
 * Text a network peer sent (a server's message, a status line, a bit of a document), made safe to
 * put in a message that may reach a terminal or a log: escaped by the one printer every human
 * output uses, and cut at `max` characters. Never throws.
 */
export function showPeerText(text: string, max = MAX_SHOWN): string {
  return printable(text.length > max ? `${text.slice(0, max)}...` : text);
}
