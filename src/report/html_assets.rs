//! The inline stylesheet and scripts of the HTML report: no file, font or script is fetched.

/// First in `<head>`: any script error lands in `#js-errors`, where a test can read it.
pub(crate) const ERROR_TRAP: &str = r#"window.onerror = function (message, source, line, column) {
  var list = document.getElementById('js-errors');
  var text = String(message) + ' at ' + source + ':' + line + ':' + column;
  if (list) { var li = document.createElement('li'); li.textContent = text; list.appendChild(li); }
  else { document.documentElement.setAttribute('data-js-error', text); }
};"#;

/// Last in `<body>`: open and close the failures, follow `#open-all` and `#case-...`
/// anchors, and write what is visible into `#selftest` for the browser test.
pub(crate) const SCRIPT: &str = r#"(function () {
  'use strict';
  function setAll(open) {
    document.querySelectorAll('details').forEach(function (d) { d.open = open; });
  }
  function follow() {
    var hash = window.location.hash;
    if (hash === '#open-all') { setAll(true); }
    else if (hash.indexOf('#case-') === 0) {
      var d = document.getElementById(decodeURIComponent(hash.slice(1)));
      if (d) { d.open = true; d.scrollIntoView(); }
    }
    selftest();
  }
  function selftest() {
    var out = document.getElementById('selftest');
    var diffs = document.querySelectorAll('#failures pre.diff');
    var visible = 0;
    // Closed <details> keep their content laid out but hidden (content-visibility), so
    // ask the browser whether it is shown rather than whether it has boxes.
    diffs.forEach(function (p) {
      var shown = typeof p.checkVisibility === 'function'
        ? p.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true })
        : p.getClientRects().length > 0;
      if (shown) { visible += 1; }
    });
    var open = document.querySelectorAll('#failures details[open]').length;
    out.setAttribute('data-diffs', String(diffs.length));
    out.setAttribute('data-visible-diffs', String(visible));
    out.setAttribute('data-open-failures', String(open));
    var failures = document.getElementById('failures');
    out.textContent = failures ? failures.innerText : '';
  }
  var openAll = document.getElementById('open-all');
  var closeAll = document.getElementById('close-all');
  if (openAll) { openAll.addEventListener('click', function () { setAll(true); selftest(); }); }
  if (closeAll) { closeAll.addEventListener('click', function () { setAll(false); selftest(); }); }
  document.querySelectorAll('details').forEach(function (d) {
    d.addEventListener('toggle', selftest);
  });
  window.addEventListener('hashchange', follow);
  follow();
  document.documentElement.setAttribute('data-js', 'ready');
})();"#;

pub(crate) const CSS: &str = r#"
:root { --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #b42318; --fail-bg: #ffe1dc;
  --error: #8a4b00; --error-bg: #fff1c2; --skip: #57606a; --skip-bg: #eef1f4;
  --none: #6e7781; --none-bg: #ffffff; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
  margin: 0 auto; padding: 1.5rem; max-width: 110rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.verdict { font-weight: 600; font-size: 1.1rem; }
.verdict.ok { color: var(--pass); } .verdict.bad { color: var(--fail); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
.scroll { overflow-x: auto; }
table.matrix th[scope=row] { position: sticky; left: 0; background: #f6f8fa; white-space: nowrap; }
table.matrix thead th { background: #f6f8fa; white-space: nowrap; }
td.cell { white-space: nowrap; text-align: center; font-weight: 600; }
.cell a { color: inherit; }
.pass { color: var(--pass); background: var(--pass-bg); }
.fail { color: var(--fail); background: var(--fail-bg); }
.error { color: var(--error); background: var(--error-bg); }
.skip { color: var(--skip); background: var(--skip-bg); }
.uncovered { color: var(--none); background: var(--none-bg); font-weight: 400; font-style: italic; }
.untriggerable { color: var(--none); background: repeating-linear-gradient(45deg, #fff, #fff 4px, #f3f4f6 4px, #f3f4f6 8px); font-weight: 400; }
.na { color: #afb8c1; background: #fafbfc; font-weight: 400; }
.unsupported-mark { font-weight: 400; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; }
ul.legend .cell { display: inline-block; min-width: 6.5rem; padding: .1rem .4rem; border: 1px solid var(--line); text-align: center; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-weight: 700; font-size: 12px; }
details.failure, details.snapshot-drift { border: 1px solid var(--line); border-radius: 4px; margin: .4rem 0; }
details.failure > summary, details.snapshot-drift > summary { cursor: pointer; padding: .4rem .6rem; }
details.failure > div, details.snapshot-drift > div { padding: 0 .8rem .8rem; }
.loc { color: var(--none); font-size: 12px; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: .5rem; overflow: auto;
  max-height: 28rem; white-space: pre-wrap; word-break: break-all; }
pre.diff .add { color: var(--pass); background: var(--pass-bg); display: inline-block; width: 100%; }
pre.diff .del { color: var(--fail); background: var(--fail-bg); display: inline-block; width: 100%; }
pre.diff .hunk { color: #8250df; }
button { font: inherit; padding: .2rem .7rem; }
footer { margin-top: 2rem; color: var(--none); font-size: 12px; }
"#;
