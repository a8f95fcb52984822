import { csrfField } from './console-layout.js';
import { ALERT_EVENTS, MAX_REFRESH_SEC, type StoredSettings } from './console-settings.js';
import { html, type SafeHtml } from './html-escape.js';

/** The server's configuration the properties pages show; serve flags are read-only here. */
export interface ServerFacts {
  readonly dataDir: string;
  readonly maxBytes: number;
  readonly usedBytes: number;
  readonly samples: number;
  readonly listen: string;
  readonly tls: boolean;
  readonly definitionsLabel: string;
  readonly definitionsSequence: number | null;
}

function row(name: string, value: string | number, how: string): SafeHtml {
  return html`<tr><th>${name}</th><td>${value}</td><td class="def">${how}</td></tr>`;
}

/** Table 2-3: General, Sample Policy, Definitions Policy, Alerting, General Errors. */
export function renderServerBody(f: ServerFacts, settings: StoredSettings, errors: readonly { at: string; word: string; message: string }[], csrf: string): SafeHtml {
  const flag = (name: string): string => `serve flag ${name}`;
  const alerts = Object.entries(ALERT_EVENTS).map(([key, label]) =>
    html`<li><label><input type="checkbox" name="alerts" value="${key}"${settings.alerts.includes(key) ? html` checked` : ''}> ${label}</label></li>`);
  return html`<section id="general"><h3>General</h3><table>
${row('Quarantine folder', f.dataDir, flag('--data'))}
${row('Maximum size', `${f.maxBytes} bytes (${f.usedBytes} used by ${f.samples} sample(s))`, flag('--max-size'))}
${row('Listening', `${f.listen} (${f.tls ? 'https' : 'plain http'})`, flag('--listen, --tls-cert'))}
${row('Auto-refresh', settings.refreshSec > 0 ? `every ${settings.refreshSec} s` : 'off', 'stored setting (below); default --console-refresh')}</table></section>
<section id="sample-policy"><h3>Sample Policy</h3><table>
${row('Automatic sample submission', 'on: every sample is analysed on arrival and again when the server\'s definitions are newer', 'built in')}
${row('Queue check interval', 'immediate (each upload is analysed as it arrives)', 'built in')}
${row('Strip user data', 'decided by each agent before it sends (agent option forward.stripUserData)', 'agent setting')}
${row('Status query interval', 'set on each agent (its forward status query interval)', 'agent setting')}</table></section>
<section id="definitions-policy"><h3>Definitions Policy</h3><table>
${row('Active sequence number', f.definitionsSequence ?? 'none (a ClamAV folder has no sequence)', flag('--defs / --clamav-db'))}
${row('Definitions', f.definitionsLabel, flag('--defs / --clamav-db'))}
${row('Certified definitions interval', 'read at start-up; restart the server to load newer definitions', 'built in')}</table></section>
<section id="alerting"><h3>Alerting</h3>
<form method="post" action="/console/server/settings">${csrfField(csrf)}
<label>Auto-refresh of the items view, seconds (0 = off) <input type="number" name="refreshSec" min="0" max="${MAX_REFRESH_SEC}" value="${settings.refreshSec}"></label>
<p>Events that raise alerts (Table 3-2); alerts go to the server's log:</p><ul>${alerts}</ul>
<button type="submit" id="save-settings">Save</button></form></section>
<section id="general-errors"><h3>General Errors</h3>${errors.length === 0 ? html`<p>No server errors recorded.</p>` : html`<table><tr><th>When</th><th>Error</th><th>Message</th></tr>${errors.map((e) => html`<tr><td>${e.at}</td><td>${e.word}</td><td>${e.message}</td></tr>`)}</table>`}</section>`;
}
