/** Markup that is already safe: only `html` and `rawHtml` make one. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The one escaping function of the console: text (file, user, virus names) into HTML text or an attribute. Never throws. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

type Part = SafeHtml | string | number | null | undefined | readonly Part[];

function renderPart(part: Part): string {
  if (part === null || part === undefined) return '';
  if (part instanceof SafeHtml) return part.text;
  if (Array.isArray(part)) return part.map(renderPart).join('');
  return escapeHtml(String(part));
}

/** A template tag whose every interpolation is escaped unless it is `SafeHtml` (nested `html`). */
export function html(strings: TemplateStringsArray, ...parts: Part[]): SafeHtml {
  let out = strings[0]!;
  parts.forEach((p, i) => (out += renderPart(p) + strings[i + 1]!));
  return new SafeHtml(out);
}
