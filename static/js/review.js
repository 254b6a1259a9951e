// Review workflow: let htmx show refusals (400/403/409) from the review endpoints.
//
// htmx does not swap error responses by default. A refused workflow step answers with the
// re-rendered review partial and an alert listing every reason, so swap it in like a success.
const SHOWN_ERRORS = new Set([400, 403, 404, 409]);

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, requestConfig } = event.detail;
  const source = requestConfig && requestConfig.elt;
  if (!source || !source.closest("[data-review-actions]")) return;
  if (SHOWN_ERRORS.has(xhr.status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
