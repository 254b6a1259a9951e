// Search app widgets (suggestions, similar claims): let htmx show refusals.
//
// htmx does not swap error responses by default. A refused action here (400 bad input,
// 403 not allowed, 409 out of date) answers with the re-rendered widget and an alert that
// says why, so swap it in like a success.
const SHOWN_ERRORS = new Set([400, 403, 409]);

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, requestConfig } = event.detail;
  const source = requestConfig && requestConfig.elt;
  if (!source || !source.closest("[data-search-widget]")) return;
  if (SHOWN_ERRORS.has(xhr.status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
