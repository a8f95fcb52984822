import { csrfField } from './console-layout.js';
import { html, type SafeHtml } from './html-escape.js';
import { listSampleAttributes } from './sample-attributes.js';
import { SAMPLE_STATUSES } from '../sample-statuses.js';
import type { SampleRequest, StatusTransition } from '../sample-history.js';
import type { CentralSample } from '../wire-format.js';

/** What the item's properties show besides the sample itself. */
export interface ItemHistory {
  readonly transitions: readonly StatusTransition[];
  readonly requests: readonly SampleRequest[];
}

function actionForm(id: string, csrf: string, action: string, label: string, extra: SafeHtml | string = ''): SafeHtml {
  return html`<form method="post" action="/console/items/${encodeURIComponent(id)}/actions" class="inline">${csrfField(csrf)}
<input type="hidden" name="action" value="${action}">${extra}<button type="submit" data-action="${action}">${label}</button></form>`;
}

/** An item's properties: sample attributes with definitions, actions, errors, status history. */
export function renderItemBody(s: CentralSample, history: ItemHistory, csrf: string, notice: string | null): SafeHtml {
  const attrs = listSampleAttributes(s).map((a) => html`<dt>${a.name}</dt><dd><span class="value">${a.value}</span> <span class="def">${a.definition}</span></dd>`);
  const errors = s.errors.length === 0 ? html`<p>No errors.</p>` : html`<table id="errors"><tr><th>Error</th><th>Message</th><th>When</th></tr>${s.errors.map((e) => html`<tr><td>${e.word}</td><td>${e.message}</td><td>${e.at}</td></tr>`)}</table>`;
  const transitions = history.transitions.map((t) => html`<tr><td>${t.at}</td><td>${t.from ?? ''}</td><td title="${SAMPLE_STATUSES[t.to] ?? ''}">${t.to}</td><td>${t.reason}</td></tr>`);
  const requests = history.requests.map((r) => html`<tr><td>${r.at}</td><td>${r.action}</td><td>${r.detail}</td></tr>`);
  return html`${notice ? html`<p class="notice" id="notice">${notice}</p>` : ''}
<section><h3>Actions</h3>
${actionForm(s.id, csrf, 'priority', 'Set submission priority', html`<label>Priority <input type="number" name="priority" min="0" max="1000" value="${s.priority}"></label>`)}
${actionForm(s.id, csrf, 'queue', 'Queue for automatic analysis')}
${actionForm(s.id, csrf, 'query-definitions', 'Query for updated definitions')}
<a href="/console/items/${encodeURIComponent(s.id)}/restore" id="restore" download>Restore (download the sample)</a>
<form method="post" action="/console/items/delete" class="inline" data-confirm="Delete this item from the Central Quarantine?">${csrfField(csrf)}
<input type="hidden" name="ids" value="${s.id}"><button type="submit">Delete</button></form>
${requests.length ? html`<table id="requests"><tr><th>When</th><th>Action</th><th>Outcome</th></tr>${requests}</table>` : ''}</section>
<section><h3>Status history</h3><table id="history"><tr><th>When</th><th>From</th><th>To</th><th>Why</th></tr>${transitions}</table></section>
<section><h3>Errors</h3>${errors}</section>
<section><h3>Sample attributes</h3><dl class="props" id="attributes">${attrs}</dl></section>`;
}
