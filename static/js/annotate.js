// Factdesk article page: turn a text selection into a claim, and connect highlights, list and panel.
//
// Offsets. The server renders every run of body text as a segment element (span.seg or
// mark.seg) carrying data-start16, its offset in the canonical body in UTF-16 code units.
// DOM text equals body text (paragraph breaks aside, which are not in the DOM), so a
// selection point's body offset is its segment's data-start16 plus the length of the text
// before the point inside that segment. The quote is rebuilt from the same segments with
// "\n\n" between paragraphs. The server converts to code points, trims and checks the quote.
//
// Events. Panel forms post with htmx and get the re-rendered panel back; a successful
// change answers with HX-Trigger {"claim-changed": {"id": N}}. #article-text reloads itself
// on it (hx-trigger); this module reloads an open panel when the change came from
// elsewhere (review buttons, other widgets), keeps the claim selected across reloads, and
// moves focus where the server asks (data-focus on the panel).

import { REFUSALS, swapRefusalsFrom } from "./htmx-errors.js";
import { utf16OffsetWithin } from "./offsets.js";

const htmx = window.htmx;
const annotator = document.getElementById("annotator");
const PANEL_ID = "claim-panel";
const NARROW = window.matchMedia("(max-width: 900px)");

const $ = (id) => document.getElementById(id);
const panelArea = () => $(PANEL_ID);
const openPanel = () => panelArea()?.querySelector(".claim-panel[data-claim-id]") ?? null;
const openClaimId = () => openPanel()?.dataset.claimId ?? null;

// --- selection → offsets ------------------------------------------------------------

/** The selection inside #article-text as {start16, end16, quote}, or null. */
export function readSelection(selection = document.getSelection()) {
  const text = $("article-text");
  if (!text || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const pieces = [];
  for (const segment of text.querySelectorAll(".seg")) {
    if (!range.intersectsNode(segment)) continue;
    const part = document.createRange();
    part.selectNodeContents(segment);
    if (range.compareBoundaryPoints(Range.START_TO_START, part) > 0) part.setStart(range.startContainer, range.startOffset);
    if (range.compareBoundaryPoints(Range.END_TO_END, part) < 0) part.setEnd(range.endContainer, range.endOffset);
    const piece = part.toString();
    if (!piece) continue;
    const start16 = Number(segment.dataset.start16) + utf16OffsetWithin(segment, part.startContainer, part.startOffset);
    pieces.push({ piece, start16, paragraph: segment.parentElement });
  }
  if (!pieces.length) return null;
  let quote = "";
  pieces.forEach(({ piece, paragraph }, index) => {
    if (index && paragraph !== pieces[index - 1].paragraph) quote += "\n\n";
    quote += piece;
  });
  const last = pieces[pieces.length - 1];
  return { start16: pieces[0].start16, end16: last.start16 + last.piece.length, quote };
}

// --- the floating Add claim button ---------------------------------------------------

const newClaimForm = $("new-claim-form");
let pendingFrame = 0;

function hideAddButton() {
  if (newClaimForm) newClaimForm.hidden = true;
}

function updateAddButton() {
  pendingFrame = 0;
  if (!newClaimForm || newClaimForm.querySelector("button[disabled]")) return;
  const selection = document.getSelection();
  const found = readSelection(selection);
  if (!found || !found.quote.trim()) return hideAddButton();
  newClaimForm.elements.start.value = found.start16;
  newClaimForm.elements.end.value = found.end16;
  newClaimForm.elements.exact.value = found.quote;
  // Place the button just below the point where the selection ends (its focus).
  const caret = document.createRange();
  caret.setStart(selection.focusNode, selection.focusOffset);
  let rect = caret.getBoundingClientRect();
  if (!rect.width && !rect.height && !rect.top) rect = selection.getRangeAt(0).getBoundingClientRect();
  const box = annotator.getBoundingClientRect();
  newClaimForm.hidden = false;
  const width = newClaimForm.offsetWidth;
  const left = Math.max(0, Math.min(rect.left - box.left, box.width - width));
  newClaimForm.style.setProperty("--add-top", `${rect.bottom - box.top + 6}px`);
  newClaimForm.style.setProperty("--add-left", `${left}px`);
}

if (newClaimForm) {
  document.addEventListener("selectionchange", () => {
    if (!pendingFrame) pendingFrame = requestAnimationFrame(updateAddButton);
  });
  // Keep the selection when the button is pressed with the mouse.
  newClaimForm.addEventListener("mousedown", (event) => event.preventDefault());
  newClaimForm.addEventListener("htmx:configRequest", (event) => {
    flushSelection();
    for (const name of ["start", "end", "exact"]) event.detail.parameters[name] = newClaimForm.elements[name].value;
  });
  newClaimForm.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) {
      document.getSelection()?.removeAllRanges();
      hideAddButton();
    }
  });
}

// The form's fields follow the selection late (selectionchange is queued, then we wait a
// frame); a shortcut pressed in between must not send the previous selection, so read the
// selection afresh right before submitting.
function flushSelection() {
  if (pendingFrame) cancelAnimationFrame(pendingFrame);
  updateAddButton();
}

document.addEventListener("keydown", (event) => {
  if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyC") {
    flushSelection();
    if (newClaimForm && !newClaimForm.hidden) {
      event.preventDefault();
      newClaimForm.requestSubmit();
    }
  } else if (event.key === "Escape") {
    if (!$("claim-chooser")?.hidden) closeChooser(true);
    else hideAddButton();
  }
});

// --- keyboard selection ---------------------------------------------------------------
// Browsers extend an existing range with Shift+arrows but, without caret browsing, not a
// caret in read-only text. So inside the article text Shift+arrows extend the selection
// here (Ctrl: by word; Home/End: to the line's edge), starting from the caret a click left,
// the focused highlight, or the start of the text.

const EXTEND_KEYS = {
  ArrowRight: ["forward", "character"],
  ArrowLeft: ["backward", "character"],
  ArrowDown: ["forward", "line"],
  ArrowUp: ["backward", "line"],
  End: ["forward", "lineboundary"],
  Home: ["backward", "lineboundary"],
};

function selectionInText(selection, text) {
  return selection.rangeCount > 0 && text.contains(selection.focusNode);
}

document.addEventListener("keydown", (event) => {
  const text = $("article-text");
  const move = EXTEND_KEYS[event.key];
  if (!text || !move || !event.shiftKey || event.altKey || event.metaKey) return;
  const selection = document.getSelection();
  const focused = document.activeElement;
  if (!selectionInText(selection, text)) {
    if (!text.contains(focused)) return;
    const start = focused.closest?.(".seg") ?? text.querySelector(".seg");
    if (!start?.firstChild) return;
    selection.collapse(start.firstChild, 0);
  }
  event.preventDefault();
  const [direction, unit] = move;
  selection.modify("extend", direction, event.ctrlKey && unit === "character" ? "word" : unit);
});

// --- highlights, list and panel ------------------------------------------------------

/** Mark claim ``id`` as selected in the text and the list. */
function markSelected(id) {
  for (const element of document.querySelectorAll(".seg.is-selected, .claim-item.is-selected")) {
    element.classList.remove("is-selected");
  }
  for (const link of document.querySelectorAll(".claim-open[aria-current]")) link.removeAttribute("aria-current");
  if (!id) return;
  for (const mark of document.querySelectorAll("mark.seg[data-claims]")) {
    if (mark.dataset.claims.split(" ").includes(String(id))) mark.classList.add("is-selected");
  }
  const item = $(`claim-${id}`);
  if (item) {
    item.classList.add("is-selected");
    item.querySelector(".claim-open")?.setAttribute("aria-current", "true");
  }
}

function firstMarkOf(id) {
  for (const mark of document.querySelectorAll("mark.seg[data-claims]")) {
    if (mark.dataset.claims.split(" ").includes(String(id))) return mark;
  }
  return null;
}

function loadPanel(id) {
  const url = $(`claim-${id}`)?.dataset.panelUrl;
  if (!url) return Promise.resolve();
  return htmx.ajax("GET", url, { source: panelArea(), target: `#${PANEL_ID}`, swap: "innerHTML" });
}

/** Open claim ``id``: select it everywhere, load its panel, keep the URL shareable. */
function openClaim(id, { from } = {}) {
  markSelected(id);
  if (from === "list") {
    const mark = firstMarkOf(id);
    if (mark && !NARROW.matches) {
      mark.scrollIntoView({ block: "center", behavior: "smooth" });
      mark.focus({ preventScroll: true });
    }
  } else {
    $(`claim-${id}`)?.scrollIntoView({ block: "nearest" });
  }
  loadPanel(id).then(() => {
    if (NARROW.matches) panelArea()?.scrollIntoView({ block: "start" });
  });
}

function closePanel() {
  const id = openClaimId();
  const area = panelArea();
  area.replaceChildren();
  const placeholder = document.createElement("p");
  placeholder.className = "muted panel-placeholder";
  placeholder.textContent = "Choose a claim in the text or in the list to see and edit it.";
  area.append(placeholder);
  markSelected(null);
  history.replaceState(null, "", location.pathname);
  if (id) $(`claim-${id}`)?.querySelector(".claim-open")?.focus();
}

// A highlight covered by several claims opens a small chooser listing them.
function openChooser(mark, ids) {
  const chooser = $("claim-chooser");
  const list = chooser.querySelector("ul");
  list.replaceChildren();
  for (const id of ids) {
    const item = $(`claim-${id}`);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small";
    button.dataset.chooseClaim = id;
    const title = item?.querySelector(".claim-title")?.textContent.trim() ?? "";
    button.textContent = `Claim #${id}: ${title}`;
    const entry = document.createElement("li");
    entry.append(button);
    list.append(entry);
  }
  const box = annotator.getBoundingClientRect();
  const rect = mark.getBoundingClientRect();
  chooser.hidden = false;
  chooser.style.setProperty("--chooser-top", `${rect.bottom - box.top + 4}px`);
  chooser.style.setProperty(
    "--chooser-left",
    `${Math.max(0, Math.min(rect.left - box.left, box.width - chooser.offsetWidth))}px`,
  );
  chooser.returnFocus = mark;
  list.querySelector("button")?.focus();
}

function closeChooser(restoreFocus) {
  const chooser = $("claim-chooser");
  if (!chooser || chooser.hidden) return;
  chooser.hidden = true;
  if (restoreFocus) chooser.returnFocus?.focus();
}

function activateMark(mark) {
  const ids = mark.dataset.claims.split(" ").filter(Boolean);
  if (ids.length === 1) {
    closeChooser(false);
    openClaim(ids[0], { from: "text" });
  } else {
    openChooser(mark, ids);
  }
}

annotator?.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const choose = target.closest("[data-choose-claim]");
  if (choose) {
    closeChooser(false);
    openClaim(choose.dataset.chooseClaim, { from: "text" });
    return;
  }
  if (!target.closest("#claim-chooser")) closeChooser(false);
  const link = target.closest("[data-open-claim]");
  if (link) {
    event.preventDefault();
    openClaim(link.dataset.openClaim, { from: "list" });
    return;
  }
  if (target.closest("[data-close-panel]")) return closePanel();
  if (target.closest("[data-dismiss-alert]")) {
    $("annotate-alert").replaceChildren();
    return;
  }
  const mark = target.closest("mark.seg[data-claims]");
  // A click that ends a drag selection is not a click on the highlight.
  if (mark && document.getSelection()?.isCollapsed !== false) activateMark(mark);
});

annotator?.addEventListener("keydown", (event) => {
  const mark = event.target instanceof Element ? event.target.closest("mark.seg[data-claims]") : null;
  if (mark && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    activateMark(mark);
  }
});

// --- htmx integration ----------------------------------------------------------------

function showAlert(message) {
  const region = $("annotate-alert");
  if (!region) return;
  const text = document.createElement("p");
  text.className = "alert-message";
  text.textContent = message;
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "button small";
  dismiss.dataset.dismissAlert = "";
  dismiss.textContent = "Dismiss";
  region.replaceChildren(text, dismiss);
}

// Requests whose answer is the claim panel (or a message for the alert region): the
// panel's own forms and buttons, the Add claim form, and panel loads from this module.
// Other widgets on the page (review actions, suggestions...) handle their own answers.
const isPanelRequest = (source) => Boolean(source?.closest?.("[data-panel-request]") || source?.id === PANEL_ID);

// Refusals from our endpoints come with content meant to be shown (a panel with field
// errors, a conflict, or a message retargeted to the alert region): swap them in.
swapRefusalsFrom(isPanelRequest);

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, requestConfig } = event.detail;
  const source = requestConfig?.elt;
  if (!isPanelRequest(source)) return;
  if (event.detail.target?.id === PANEL_ID) rememberUnsaved(source);
  if (xhr.status < 400 && event.detail.target?.id !== "annotate-alert") $("annotate-alert")?.replaceChildren();
});

document.body.addEventListener("htmx:responseError", (event) => {
  const { xhr, requestConfig } = event.detail;
  if (!isPanelRequest(requestConfig?.elt) || REFUSALS.includes(xhr.status)) return;
  if (xhr.status === 404) showAlert("That claim no longer exists: someone may have deleted it. Reload the page.");
  else showAlert(`The server could not do that (error ${xhr.status}). Nothing was changed; try again or reload the page.`);
});

document.body.addEventListener("htmx:sendError", (event) => {
  if (isPanelRequest(event.detail.requestConfig?.elt)) {
    showAlert("Could not reach the server. Check your connection; your change was not saved.");
  }
});

// Unsaved typing in the panel's versioned forms survives a panel reload caused by
// something else (adding a source bumps the version), but only for fields whose stored
// value did not change meanwhile: never hide someone else's edit behind your draft.
let unsaved = null;

function initialValue(field) {
  if (field instanceof HTMLSelectElement) {
    const chosen = [...field.options].find((option) => option.defaultSelected) ?? field.options[0];
    return chosen ? chosen.value : "";
  }
  return field.defaultValue;
}

function rememberUnsaved(source) {
  const panel = openPanel();
  unsaved = null;
  if (!panel) return;
  const submitting = source?.closest?.("form");
  const drafts = [];
  for (const form of panel.querySelectorAll("form[data-versioned]")) {
    if (form === submitting) continue;
    for (const field of form.querySelectorAll("input[name]:not([type=hidden]), textarea[name], select[name]")) {
      if (field.value !== initialValue(field)) drafts.push({ id: field.id, base: initialValue(field), value: field.value });
    }
  }
  if (drafts.length) unsaved = { claimId: panel.dataset.claimId, drafts };
}

function restoreUnsaved(panel) {
  if (!unsaved || !panel || panel.dataset.claimId !== unsaved.claimId) return;
  for (const { id, base, value } of unsaved.drafts) {
    const field = $(id);
    if (field && initialValue(field) === base) field.value = value;
  }
  unsaved = null;
}

// A change from outside the panel's own forms (review steps, other widgets): reload the
// open panel. The review partial re-renders itself first; keep its status message.
document.body.addEventListener("claim-changed", (event) => {
  const panel = openPanel();
  const source = event.target instanceof Element ? event.target : null;
  if (!panel || source?.closest("[data-panel-request]")) return;
  const id = event.detail?.id;
  if (id && String(id) !== panel.dataset.claimId) return;
  const review = source?.closest("[data-review-actions]");
  if (!review) {
    loadPanel(panel.dataset.claimId);
    return;
  }
  const whenReviewSettles = (settled) => {
    const element = settled.target;
    if (!(element instanceof Element) || !element.matches("[data-review-actions]")) return;
    document.body.removeEventListener("htmx:afterSettle", whenReviewSettles);
    const messages = [...element.querySelectorAll("[role=status]")].map((node) => node.cloneNode(true));
    loadPanel(panel.dataset.claimId).then(() => {
      const fresh = openPanel()?.querySelector("[data-review-actions]");
      if (fresh && messages.length && !fresh.querySelector("[role=status]")) {
        fresh.querySelector("h3")?.after(...messages);
      }
    });
  };
  document.body.addEventListener("htmx:afterSettle", whenReviewSettles);
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail?.target;
  if (!target) return;
  if (target.id === PANEL_ID) {
    const panel = target.querySelector(".claim-panel");
    const id = panel?.dataset.claimId ?? null;
    markSelected(id);
    // Keep the open claim in the URL so a reload (or a shared link) reopens it.
    history.replaceState(null, "", id ? `${location.pathname}#claim-${id}` : location.pathname);
    restoreUnsaved(panel);
    const wanted = panel?.dataset.focus ? $(panel.dataset.focus) : null;
    if (wanted) wanted.focus();
    else if (!document.activeElement || document.activeElement === document.body) {
      panel?.querySelector("[data-panel-heading]")?.focus();
    }
  } else if (target.id === "article-text" || target.closest?.("#article-text")) {
    markSelected(openClaimId());
  }
});

// Claims highlighted by the latest text reload (the list is swapped out of band).
document.body.addEventListener("htmx:oobAfterSwap", () => markSelected(openClaimId()));

// Tests (and curious people) can tell when the page is interactive.
if (annotator) annotator.dataset.ready = "true";

// Deep links (#claim-12, used by notifications) open that claim.
const initial = location.hash.match(/^#claim-(\d+)$/);
if (initial && $(`claim-${initial[1]}`) && openClaimId() !== initial[1]) openClaim(initial[1], { from: "list" });
else if (openClaimId()) markSelected(openClaimId());
