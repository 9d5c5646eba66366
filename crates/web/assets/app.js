// isched's few behaviours that need a script: a confirmation before destructive forms and
// a copy button for the login shown once. Pages work without it (forms still submit).
"use strict";
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = "Copied";
  } catch (e) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Selected: press Ctrl+C";
  }
});
// The week view offers the viewer's own time zone, which only the browser knows.
for (const select of document.querySelectorAll("select[data-viewer-zone]")) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && ![...select.options].some((o) => o.value === zone)) {
    const option = new Option("yours (" + zone + ")", zone);
    select.add(option, 1);
  }
}
