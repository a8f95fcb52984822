/**
 * The console's script and style, served as files (`/console/console.js`, `/console/console.css`)
 * so the CSP can forbid inline script and style. They live in this module, not in loose files,
 * because `tsc` copies nothing else into dist/: no build step, nothing to get out of step.
 */
export const CONSOLE_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var all = document.getElementById('select-all');
  if (all) all.addEventListener('change', function () {
    document.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) { if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault(); });
  });
  var refresh = document.querySelector('meta[name="epq-refresh"]');
  var seconds = refresh ? Number(refresh.getAttribute('content')) : 0;
  if (seconds > 0) setTimeout(function () {
    // A refresh must not throw away a selection the administrator is making.
    if (!document.querySelector('input[name="ids"]:checked')) window.location.reload();
  }, seconds * 1000);
});
`;

export const CONSOLE_STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{background:#234;color:#fff;padding:.5em 1em;display:flex;gap:2em;align-items:center}
header h1{font-size:1.1em;margin:0}header a{color:#fff;margin-right:1em}
main{padding:1em}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.25em .5em;text-align:left;font-size:.9em;vertical-align:top}
th a{color:inherit}.inline{display:inline}.error{color:#a00}.pager{margin:.5em 0}
dl.props dt{font-weight:bold;margin-top:.5em}dl.props dd{margin-left:1em}
.def{color:#666;font-size:.85em}form.filters{margin-bottom:.5em}
`;
