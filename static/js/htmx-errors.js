// Refusals shown in place: the one place that decides which htmx error responses are swapped in.
//
// htmx does not swap error responses by default. Factdesk's widgets answer a refusal
// (400 bad input, 403 not allowed, 404 gone, 409 out of date, 428 the form did not say
// which version of the claim it was made on) with their own re-rendered content and an
// alert that says why, so such a response is swapped in like a success.
// Each widget's module names its requests and the statuses it answers this way with
// swapRefusalsFrom(); one listener swaps a response that any of those rules covers.

/** The statuses a widget usually answers with content to show. */
export const REFUSALS = Object.freeze([400, 403, 409, 428]);

const rules = [];

/**
 * Swap in error responses with one of ``statuses`` to requests whose source element
 * matches ``isSource`` (a CSS selector the element or an ancestor matches, or a predicate).
 */
export function swapRefusalsFrom(isSource, statuses = REFUSALS) {
  const matches = typeof isSource === "string" ? (element) => Boolean(element.closest(isSource)) : isSource;
  rules.push({ matches, statuses: new Set(statuses) });
}

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, requestConfig } = event.detail;
  const source = requestConfig?.elt;
  if (!(source instanceof Element) || xhr.status < 400) return;
  if (rules.some(({ matches, statuses }) => statuses.has(xhr.status) && matches(source))) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
