import { html, type SafeHtml } from './html-escape.js';

/** What every signed-in page needs: the CSRF token of its forms. */
export interface PageContext {
  readonly csrf: string;
  /** Seconds between refreshes of this page; 0 = none. */
  readonly refreshSec?: number;
}

/** A hidden field with the session's CSRF token, for every form that changes something. */
export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

/** The page frame: no inline script or style (the CSP forbids both), the script and style are files. */
export function renderPage(title: string, body: SafeHtml, ctx: PageContext | null): string {
  const refresh = ctx?.refreshSec ? html`<meta name="epq-refresh" content="${ctx.refreshSec}">` : '';
  const nav = ctx
    ? html`<nav><a href="/console/items">Quarantined items</a> <a href="/console/server">Server properties</a>
<form method="post" action="/console/sign-out" class="inline">${csrfField(ctx.csrf)}<button type="submit">Sign out</button></form></nav>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} - epq Central Quarantine</title>
<link rel="stylesheet" href="/console/console.css">${refresh}<script src="/console/console.js" defer></script></head>
<body><header><h1>epq Central Quarantine</h1>${nav}</header><main><h2>${title}</h2>${body}</main></body></html>
`.text;
}
