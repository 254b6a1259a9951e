// Factdesk article page: turn a text selection into a claim, and connect highlights, list and panel.
//
// Offsets. The server renders every run of body text as a segment element (span.seg or
// mark.seg) carrying data-start16, its offset in the canonical body in UTF-16 code units.
// DOM text equals body text (paragraph breaks aside, which are not in the DOM), so a
// selection point's body offset is its segment's data-start16 plus the length of the text
// before the point inside that segment. The quote is rebuilt from the same segments with
// "\n\n" between paragraphs. The server converts to code points, trims and checks the quote.
//
// Keyboard. The article text is one Tab stop with a caret of its own (caret browsing): plain
// arrows move it, Shift+arrows select from it, Esc clears the selection, Tab goes to Add
// claim. The caret is the document's own collapsed selection, drawn by an overlay because
// browsers do not draw it in read-only text; offsets are read from the selection as above.
//
// Phone. Below 900 px the claim panel is a sheet over the text; "Back to text" (or Esc)
// closes it and returns to the place and the highlight the reader left.
//
// Drafts. What is typed in the panel's forms is kept as a draft per claim and form
// (drafts.js), restored when the claim is opened again and dropped once saved. Closing the
// panel, switching claims and leaving the page with unsaved changes ask first.
//
// Events. Panel forms post with htmx and get the re-rendered panel back; a successful
// change answers with HX-Trigger {"claim-changed": {"id": N}}. #article-text reloads itself
// on it (hx-trigger); this module reloads an open panel when the change came from
// elsewhere (review buttons, other widgets), keeps the claim selected across reloads,
// opens a claim accepted from the suggestions, and moves focus where the server asks
// (data-focus on the panel).

import { draftKey, loadDraft, removeDraft, saveDraft } from "./drafts.js";
import { REFUSALS, swapRefusalsFrom } from "./htmx-errors.js";
import { utf16OffsetWithin } from "./offsets.js";

// Interface text comes from the JavaScript catalogue (/jsi18n/, loaded by base.html before
// this module); if it failed to load, the English source text is shown.
const gettext = window.gettext ?? ((text) => text);
const interpolate =
  window.interpolate ?? ((format, values) => format.replace(/%\((\w+)\)s/g, (_match, name) => String(values[name])));

const htmx = window.htmx;
const annotator = document.getElementById("annotator");
const PANEL_ID = "claim-panel";
const NARROW = window.matchMedia("(max-width: 900px)");
const COARSE = window.matchMedia("(pointer: coarse)");

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
const addButton = () => newClaimForm?.querySelector("button[type=submit]") ?? null;
let pendingFrame = 0;

function hideAddButton() {
  if (newClaimForm) newClaimForm.hidden = true;
}

const addButtonShown = () => Boolean(newClaimForm && !newClaimForm.hidden);

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
  // A new claim replaces the open panel: ask first when it has unsaved changes.
  newClaimForm.addEventListener("htmx:confirm", (event) => {
    if (!hasUnsavedChanges()) return;
    event.preventDefault();
    askAboutUnsaved(() => event.detail.issueRequest(true));
  });
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
    if (addButtonShown()) {
      event.preventDefault();
      newClaimForm.requestSubmit();
    }
  } else if (event.key === "Escape") {
    onEscape(event);
  }
});

/** Esc: the innermost thing first (chooser, question, selection), then the panel. */
function onEscape(event) {
  const text = $("article-text");
  const selection = document.getSelection();
  if (!$("claim-chooser")?.hidden) return closeChooser(true);
  if (openPanel()?.querySelector(".unsaved-prompt")) {
    event.preventDefault();
    return answerUnsaved("stay");
  }
  if (text && selection && !selection.isCollapsed && selectionInText(selection, text)) {
    // Clear the selection, keep the caret where the selection ended.
    selection.collapse(selection.focusNode, selection.focusOffset);
    hideAddButton();
    if (!text.contains(document.activeElement)) text.focus({ preventScroll: true });
    return;
  }
  const area = panelArea();
  // Focus in the panel, or nowhere (the panel was just swapped and its old element is gone).
  const nowhere = !document.activeElement || document.activeElement === document.body;
  if (openPanel() && (area.classList.contains("is-sheet") || nowhere || area.contains(document.activeElement))) {
    event.preventDefault();
    return requestClosePanel();
  }
  hideAddButton();
}

// --- caret browsing in the article text ----------------------------------------------
// Browsers draw no caret in read-only text and move none with the arrow keys (unless the
// user turned on caret browsing, F7). So in the article text the arrow keys move the
// document's collapsed selection here (Selection.modify), Shift extends it, and an overlay
// shows where the caret is. Ctrl moves by word (left/right) or paragraph (up/down);
// Home/End go to the line's edges, Ctrl+Home/End to the text's.

const CARET_KEYS = {
  ArrowRight: ["right", "character", "word"],
  ArrowLeft: ["left", "character", "word"],
  ArrowDown: ["forward", "line", "paragraph"],
  ArrowUp: ["backward", "line", "paragraph"],
  End: ["forward", "lineboundary", "edge"],
  Home: ["backward", "lineboundary", "edge"],
};

const caret = document.createElement("span");
caret.className = "text-caret";
caret.setAttribute("aria-hidden", "true");
caret.hidden = true;
annotator?.append(caret);

function selectionInText(selection, text) {
  return Boolean(selection && selection.rangeCount > 0 && text.contains(selection.focusNode));
}

/** The first or last point of the article text's segments. */
function edgePoint(text, atEnd) {
  const segments = text.querySelectorAll(".seg");
  const segment = atEnd ? segments[segments.length - 1] : segments[0];
  if (!segment) return null;
  const walker = document.createTreeWalker(segment, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  if (atEnd) for (let next = node; next; next = walker.nextNode()) node = next;
  if (!node) return [segment, atEnd ? segment.childNodes.length : 0];
  return [node, atEnd ? node.length : 0];
}

/** Where a caret starts: the start of the focused highlight, or of the text. */
function startingPoint(text) {
  const mark = document.activeElement?.closest?.("mark.seg");
  if (mark && text.contains(mark) && mark.firstChild) return [mark.firstChild, 0];
  return edgePoint(text, false);
}

function isRtl(node) {
  const element = node?.nodeType === Node.ELEMENT_NODE ? node : node?.parentElement;
  return Boolean(element && getComputedStyle(element).direction === "rtl");
}

function moveCaret(event, text) {
  const selection = document.getSelection();
  const [where, unit, ctrlUnit] = CARET_KEYS[event.key];
  const extend = event.shiftKey;
  if (!selectionInText(selection, text)) {
    const start = startingPoint(text);
    if (!start) return;
    selection.collapse(...start);
  }
  const alter = extend ? "extend" : "move";
  const granularity = event.ctrlKey ? ctrlUnit : unit;
  // Left and right follow the text's direction: in right-to-left text, right goes back.
  let direction = where;
  if (where === "right" || where === "left") {
    const forwardKey = isRtl(selection.focusNode) ? "left" : "right";
    direction = where === forwardKey ? "forward" : "backward";
  }
  const edge = () => edgePoint(text, direction === "forward");
  if (granularity === "edge") {
    const point = edge();
    if (extend) selection.extend(...point);
    else selection.collapse(...point);
  } else {
    const before = [selection.anchorNode, selection.anchorOffset];
    selection.modify(alter, direction, granularity);
    // Never leave the article text: stop at its first or last character.
    if (!text.contains(selection.focusNode)) {
      const point = edge();
      if (extend) {
        selection.setBaseAndExtent(before[0], before[1], ...point);
      } else {
        selection.collapse(...point);
      }
    }
  }
  if (document.activeElement !== text) text.focus({ preventScroll: true });
  drawCaret();
  if (!caret.hidden) caret.scrollIntoView({ block: "nearest", inline: "nearest" });
}

document.addEventListener("keydown", (event) => {
  const text = $("article-text");
  if (!text || event.altKey || event.metaKey || event.defaultPrevented) return;
  const active = document.activeElement;
  const focusInText = text.contains(active);
  if (event.key === "Tab") {
    // "Add claim" is the next Tab stop after a selection; Shift+Tab from it goes back.
    if (!event.shiftKey && focusInText && addButtonShown()) {
      event.preventDefault();
      addButton()?.focus();
    } else if (active === addButton()) {
      // Back to the text, or on to what follows the selection (not to the end of the page,
      // where the button sits in the document).
      event.preventDefault();
      const selection = document.getSelection();
      const after = !event.shiftKey && selectionInText(selection, text) ? tabbableAfter(selection.focusNode) : null;
      if (after) after.focus();
      else {
        text.focus({ preventScroll: true });
        drawCaret();
      }
    }
    return;
  }
  if (!CARET_KEYS[event.key]) return;
  // Also after a click in the text that left focus on the page itself.
  const pageFocused = !active || active === document.body;
  if (!focusInText && !(event.shiftKey && pageFocused && selectionInText(document.getSelection(), text))) return;
  event.preventDefault();
  moveCaret(event, text);
});

const TABBABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), "
  + "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

/** The first Tab stop after ``node`` in the document (the Add claim form aside). */
function tabbableAfter(node) {
  for (const element of document.querySelectorAll(TABBABLE)) {
    if (newClaimForm?.contains(element) || element.closest("[inert], [hidden]")) continue;
    if (!(node.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
    if (element.checkVisibility ? element.checkVisibility() : element.getClientRects().length) return element;
  }
  return null;
}

// The caret is for keyboard users: a tap or a click in the text does not draw it.
let usingKeyboard = false;
document.addEventListener("keydown", () => { usingKeyboard = true; }, true);
document.addEventListener("pointerdown", () => { usingKeyboard = false; }, true);

// Tabbing into the text puts the caret at its start (or keeps the one a click left).
document.addEventListener("focusin", (event) => {
  const text = $("article-text");
  if (text && event.target === text && usingKeyboard) {
    const selection = document.getSelection();
    if (!selectionInText(selection, text)) {
      const start = edgePoint(text, false);
      if (start) selection.collapse(...start);
    }
  }
  scheduleCaret();
});
document.addEventListener("focusout", () => scheduleCaret());
document.addEventListener("selectionchange", () => scheduleCaret());
window.addEventListener("resize", () => scheduleCaret());

let caretFrame = 0;
function scheduleCaret() {
  if (!caretFrame) caretFrame = requestAnimationFrame(drawCaret);
}

/** The viewport box of the caret at (node, offset): a collapsed range, else a neighbouring character. */
function caretBox(node, offset) {
  const range = document.createRange();
  range.setStart(node, offset);
  range.collapse(true);
  const rect = range.getClientRects()[0];
  if (rect && rect.height) return { x: rect.left, top: rect.top, height: rect.height };
  if (node.nodeType === Node.TEXT_NODE) {
    const rtl = isRtl(node);
    if (offset < node.length) {
      range.setEnd(node, offset + 1);
      const next = range.getClientRects()[0];
      if (next && next.height) return { x: rtl ? next.right : next.left, top: next.top, height: next.height };
    }
    if (offset > 0) {
      range.setStart(node, offset - 1);
      range.setEnd(node, offset);
      const previous = range.getClientRects()[0];
      if (previous && previous.height) return { x: rtl ? previous.left : previous.right, top: previous.top, height: previous.height };
    }
  }
  return null;
}

let caretSteady = 0;

/** Show the caret where the selection's focus is, while the text has keyboard focus. */
function drawCaret() {
  caretFrame = 0;
  const text = $("article-text");
  const selection = document.getSelection();
  const show = usingKeyboard && text && annotator && text.contains(document.activeElement)
    && selectionInText(selection, text);
  const box = show ? caretBox(selection.focusNode, selection.focusOffset) : null;
  if (!box) {
    caret.hidden = true;
    return;
  }
  const frame = annotator.getBoundingClientRect();
  caret.style.setProperty("--caret-left", `${box.x - frame.left}px`);
  caret.style.setProperty("--caret-top", `${box.top - frame.top}px`);
  caret.style.setProperty("--caret-height", `${box.height}px`);
  caret.hidden = false;
  // A caret that just moved stays visible a moment, then blinks again.
  caret.classList.add("is-moving");
  clearTimeout(caretSteady);
  caretSteady = setTimeout(() => caret.classList.remove("is-moving"), 600);
}

// --- the hint fits the device ----------------------------------------------------------

function showHint() {
  const hint = $("annotate-hint");
  if (!hint) return;
  for (const part of hint.querySelectorAll("[data-hint-for]")) {
    part.hidden = (part.dataset.hintFor === "touch") !== COARSE.matches;
  }
}
showHint();
COARSE.addEventListener?.("change", showHint);

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

const marksOf = (id) =>
  [...document.querySelectorAll("mark.seg[data-claims]")].filter((mark) => mark.dataset.claims.split(" ").includes(String(id)));

const firstMarkOf = (id) => marksOf(id)[0] ?? null;

/** Focus the highlight of claim ``id`` (its first part), making it focusable if it is not. */
function focusMark(mark, { preventScroll = false } = {}) {
  if (!mark) return false;
  if (!mark.hasAttribute("tabindex")) mark.tabIndex = -1;
  mark.focus({ preventScroll });
  return document.activeElement === mark;
}

/** Draw the eye to claim ``id``'s highlight for a moment. */
function flash(id) {
  for (const mark of marksOf(id)) {
    mark.classList.remove("is-flashing");
    void mark.offsetWidth;
    mark.classList.add("is-flashing");
    setTimeout(() => mark.classList.remove("is-flashing"), 1800);
  }
}

function loadPanel(id) {
  const url = $(`claim-${id}`)?.dataset.panelUrl;
  if (!url) return Promise.resolve();
  return htmx.ajax("GET", url, { source: panelArea(), target: `#${PANEL_ID}`, swap: "innerHTML" });
}

/**
 * Open claim ``id``: select it everywhere, load its panel, keep the URL shareable.
 * ``from``: "list" and "suggestion" bring its highlight into view first (and flash it).
 * ``confirmed``: the user already chose what happens to the open claim's unsaved changes.
 */
function openClaim(id, { from, confirmed = false } = {}) {
  if (!confirmed && openClaimId() !== String(id) && hasUnsavedChanges()) {
    askAboutUnsaved(() => openClaim(id, { from, confirmed: true }));
    return;
  }
  markSelected(id);
  if (from === "list" || from === "suggestion") {
    const mark = firstMarkOf(id);
    if (mark) {
      mark.scrollIntoView({ block: "center", behavior: NARROW.matches ? "instant" : "smooth" });
      focusMark(mark, { preventScroll: true });
      flash(id);
    }
  } else if (!NARROW.matches) {
    // Beside the text, show its entry in the list; on a phone the sheet covers both.
    $(`claim-${id}`)?.scrollIntoView({ block: "nearest" });
  }
  loadPanel(id).then(() => {
    if (from === "suggestion") openPanel()?.querySelector("[data-panel-heading]")?.focus();
  });
}

/** Close the panel, asking first when it holds unsaved changes. */
function requestClosePanel() {
  if (hasUnsavedChanges()) askAboutUnsaved(closePanel);
  else closePanel();
}

function closePanel() {
  const id = openClaimId();
  const area = panelArea();
  const returnTo = sheetReturn;
  area.replaceChildren();
  const placeholder = document.createElement("p");
  placeholder.className = "muted panel-placeholder";
  placeholder.textContent = gettext("Choose a claim in the text or in the list to see and edit it.");
  area.append(placeholder);
  markSelected(null);
  syncSheet();
  history.replaceState(null, "", location.pathname);
  if (!id) return;
  // Back to the text where the reader left it, focus on the claim's highlight.
  if (returnTo !== null) window.scrollTo({ top: returnTo, behavior: "instant" });
  const mark = firstMarkOf(id);
  if (mark && focusMark(mark, { preventScroll: returnTo !== null })) {
    const rect = mark.getBoundingClientRect();
    if (rect.bottom < 0 || rect.top > window.innerHeight) mark.scrollIntoView({ block: "center" });
  } else {
    $(`claim-${id}`)?.querySelector(".claim-open")?.focus();
  }
}

// --- the panel as a sheet on phones ----------------------------------------------------
// Below 900 px an open claim covers the text (position: fixed) instead of sitting 5,000 px
// below it; what is behind is inert, and closing returns to the scroll position it covered.

let sheetReturn = null;

function behindSheet() {
  const side = annotator?.querySelector(".side-column");
  return [
    document.querySelector(".topbar"),
    document.querySelector(".skip-link"),
    annotator?.querySelector(".text-column"),
    ...(side ? [...side.children].filter((child) => child.id !== PANEL_ID) : []),
  ].filter(Boolean);
}

function syncSheet() {
  const area = panelArea();
  if (!area) return;
  const sheet = NARROW.matches && Boolean(openPanel());
  if (sheet === area.classList.contains("is-sheet")) return;
  if (sheet) {
    sheetReturn = window.scrollY;
    area.setAttribute("role", "dialog");
    area.setAttribute("aria-modal", "true");
  } else {
    sheetReturn = null;
    area.removeAttribute("role");
    area.removeAttribute("aria-modal");
  }
  area.classList.toggle("is-sheet", sheet);
  document.documentElement.classList.toggle("sheet-open", sheet);
  for (const element of behindSheet()) element.inert = sheet;
  if (sheet) area.scrollTop = 0;
}

NARROW.addEventListener?.("change", syncSheet);

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
    button.textContent = interpolate(gettext("Claim #%(id)s: %(title)s"), { id, title }, true);
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
  if (target.closest("[data-close-panel]")) return requestClosePanel();
  const answer = target.closest("[data-unsaved]");
  if (answer) return answerUnsaved(answer.dataset.unsaved);
  if (target.closest("[data-discard-draft]")) return discardDrafts();
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

// --- drafts: nothing typed in the panel is lost ----------------------------------------
// Every form of the panel marked data-draft="<section>" keeps what is typed as a draft
// (drafts.js), keyed by user, claim and section, with the claim version it was typed
// against and the stored value each field started from. Coming back to the claim restores
// it ("Draft restored"), quietly when the same claim merely reloaded; a field whose stored
// value changed meanwhile is not overwritten (someone else's edit is never hidden behind a
// draft) but its draft text is shown. A save that went through drops its form's draft.

const userId = annotator?.dataset.userId ?? "anonymous";
/** Draft keys written while this page was open: leaving with any of them left asks first. */
const touchedDrafts = new Set();

const DRAFT_FIELDS = "input[name]:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), textarea[name], select[name]";

function initialValue(field) {
  if (field instanceof HTMLSelectElement) {
    const chosen = [...field.options].find((option) => option.defaultSelected) ?? field.options[0];
    return chosen ? chosen.value : "";
  }
  return field.defaultValue;
}

function keyOf(form) {
  const panel = form.closest(".claim-panel[data-claim-id]");
  return panel ? draftKey(userId, panel.dataset.claimId, form.dataset.draft) : null;
}

function fieldLabel(field) {
  const label = field.id ? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) : null;
  return (label?.textContent ?? field.name).replace(/[:*]\s*$/, "").trim();
}

function recordDraft(form) {
  const key = keyOf(form);
  if (!key) return;
  const previous = loadDraft(key)?.fields ?? {};
  const fields = {};
  for (const field of form.querySelectorAll(DRAFT_FIELDS)) {
    const base = previous[field.name]?.base ?? initialValue(field);
    if (field.value !== base) fields[field.name] = { base, value: field.value };
  }
  saveDraft(key, form.closest(".claim-panel").dataset.claimVersion, fields);
  touchedDrafts.add(key);
}

document.addEventListener("input", (event) => {
  const form = event.target instanceof Element ? event.target.closest(`#${PANEL_ID} form[data-draft]`) : null;
  if (form) recordDraft(form);
});
document.addEventListener("change", (event) => {
  const form = event.target instanceof Element ? event.target.closest(`#${PANEL_ID} form[data-draft]`) : null;
  if (form) recordDraft(form);
});

/** Does the open panel hold typing that is not saved? */
function hasUnsavedChanges() {
  const panel = openPanel();
  if (!panel) return false;
  return [...panel.querySelectorAll("form[data-draft]")].some((form) => loadDraft(keyOf(form)));
}

/** Put the drafts of ``panel``'s claim back into its forms; announce it unless ``quiet``. */
function restoreDrafts(panel, { quiet }) {
  const restored = [];
  const clashes = [];
  for (const form of panel.querySelectorAll("form[data-draft]")) {
    const key = keyOf(form);
    const draft = loadDraft(key);
    if (!draft) continue;
    const kept = {};
    for (const [name, { base, value }] of Object.entries(draft.fields)) {
      const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!field || !field.matches(DRAFT_FIELDS)) continue;
      const stored = initialValue(field);
      if (stored === base || stored === value) {
        field.value = value;
        kept[name] = { base, value };
        restored.push(fieldLabel(field));
      } else {
        clashes.push({ label: fieldLabel(field), value });
      }
    }
    saveDraft(key, panel.dataset.claimVersion, kept);
    touchedDrafts.add(key);
  }
  if ((restored.length && !quiet) || clashes.length) showDraftNotice(panel, restored, clashes);
}

function showDraftNotice(panel, restored, clashes) {
  const notice = document.createElement("div");
  notice.className = "draft-notice";
  notice.setAttribute("role", "status");
  if (restored.length) {
    const text = document.createElement("p");
    text.textContent = `${interpolate(gettext("Draft restored: your unsaved %(fields)s."), { fields: restored.join(", ") }, true)} `;
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button small";
    discard.dataset.discardDraft = "";
    discard.textContent = gettext("Discard");
    text.append(discard);
    notice.append(text);
  }
  for (const { label, value } of clashes) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = interpolate(
      gettext("Not restored: %(field)s was changed by someone since your draft. Your draft text"),
      { field: label },
      true,
    );
    const draftText = document.createElement("p");
    draftText.className = "pre";
    draftText.textContent = value;
    details.append(summary, draftText);
    notice.append(details);
  }
  panel.querySelector(".panel-header")?.after(notice);
}

/** Discard the open claim's drafts: its forms show the stored values again. */
function discardDrafts() {
  const panel = openPanel();
  if (!panel) return;
  for (const form of panel.querySelectorAll("form[data-draft]")) {
    for (const field of form.querySelectorAll(DRAFT_FIELDS)) field.value = initialValue(field);
    removeDraft(keyOf(form));
  }
  panel.querySelector(".draft-notice")?.remove();
  panel.querySelector("[data-panel-heading]")?.focus();
}

// Before unsaved changes would be set aside (another claim, closing the panel, a new
// claim), ask inside the panel: keep editing, keep the draft for later, or discard it.
let pendingAction = null;

function askAboutUnsaved(action) {
  const panel = openPanel();
  if (!panel) return action();
  pendingAction = action;
  panel.querySelector(".unsaved-prompt")?.remove();
  const prompt = document.createElement("div");
  prompt.className = "unsaved-prompt";
  prompt.setAttribute("role", "alertdialog");
  prompt.setAttribute("aria-labelledby", "unsaved-title");
  prompt.setAttribute("aria-describedby", "unsaved-help");
  const title = document.createElement("p");
  title.id = "unsaved-title";
  title.className = "unsaved-title";
  const claimName = panel.querySelector("#panel-title")?.textContent.trim() ?? gettext("this claim");
  title.textContent = interpolate(gettext("You have unsaved changes to %(claim)s."), { claim: claimName }, true);
  const help = document.createElement("p");
  help.id = "unsaved-help";
  help.className = "small";
  help.textContent = gettext(
    "Keep them as a draft on this device (restored when you open the claim again), or discard them.",
  );
  const buttons = document.createElement("div");
  buttons.className = "button-row";
  for (const [answer, label, style] of [
    ["stay", gettext("Keep editing"), "button primary"],
    ["keep", gettext("Keep draft and continue"), "button"],
    ["discard", gettext("Discard changes"), "button danger-outline"],
  ]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `${style} small`;
    button.dataset.unsaved = answer;
    button.textContent = label;
    buttons.append(button);
  }
  prompt.append(title, help, buttons);
  panel.querySelector(".panel-header")?.after(prompt);
  prompt.scrollIntoView({ block: "nearest" });
  prompt.querySelector("button")?.focus();
}

function answerUnsaved(answer) {
  const action = pendingAction;
  pendingAction = null;
  openPanel()?.querySelector(".unsaved-prompt")?.remove();
  if (answer === "stay" || !action) {
    const dirty = [...(openPanel()?.querySelectorAll(DRAFT_FIELDS) ?? [])].find(
      (field) => field.closest("form[data-draft]") && field.value !== initialValue(field),
    );
    (dirty ?? openPanel()?.querySelector("[data-panel-heading]"))?.focus();
    return;
  }
  if (answer === "discard") discardDrafts();
  action();
}

window.addEventListener("beforeunload", (event) => {
  if ([...touchedDrafts].some((key) => loadDraft(key))) {
    event.preventDefault();
    event.returnValue = "";
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
  dismiss.textContent = gettext("Dismiss");
  region.replaceChildren(text, dismiss);
}

// Requests whose answer is the claim panel (or a message for the alert region): the
// panel's own forms and buttons, the Add claim form, and panel loads from this module.
// Other widgets on the page (review actions, suggestions...) handle their own answers.
const isPanelRequest = (source) => Boolean(source?.closest?.("[data-panel-request]") || source?.id === PANEL_ID);

// Refusals from our endpoints come with content meant to be shown (a panel with field
// errors, a conflict, or a message retargeted to the alert region): swap them in.
swapRefusalsFrom(isPanelRequest);

/** The claim the panel showed before its latest swap: the same one again reloads quietly. */
let shownBeforeSwap = null;

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, requestConfig } = event.detail;
  const source = requestConfig?.elt;
  if (!isPanelRequest(source)) return;
  if (event.detail.target?.id === PANEL_ID) {
    shownBeforeSwap = openClaimId();
    // The form's draft is done with once the server took it (saved), or once it answered
    // with a conflict (the panel now shows both values) or a correction holding them.
    const form = source?.closest?.("form[data-draft]");
    if (form && event.detail.shouldSwap && xhr.status !== 400) removeDraft(keyOf(form));
  }
  if (xhr.status < 400 && event.detail.target?.id !== "annotate-alert") $("annotate-alert")?.replaceChildren();
});

document.body.addEventListener("htmx:responseError", (event) => {
  const { xhr, requestConfig } = event.detail;
  if (!isPanelRequest(requestConfig?.elt) || REFUSALS.includes(xhr.status)) return;
  if (xhr.status === 404) showAlert(gettext("That claim no longer exists: someone may have deleted it. Reload the page."));
  else {
    showAlert(
      interpolate(
        gettext("The server could not do that (error %(status)s). Nothing was changed; try again or reload the page."),
        { status: xhr.status },
        true,
      ),
    );
  }
});

document.body.addEventListener("htmx:sendError", (event) => {
  if (isPanelRequest(event.detail.requestConfig?.elt)) {
    showAlert(gettext("Could not reach the server. Check your connection; your change was not saved."));
  }
});

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

// A suggestion accepted: open the new claim once the reloaded list shows it.
document.body.addEventListener("claim-changed", (event) => {
  const source = event.target instanceof Element ? event.target : null;
  const id = event.detail?.id;
  if (!id || !source?.closest(".suggestions")) return;
  const open = () => {
    if (!$(`claim-${id}`)) return false;
    document.body.removeEventListener("htmx:afterSettle", whenListed);
    clearTimeout(giveUp);
    openClaim(String(id), { from: "suggestion" });
    return true;
  };
  const whenListed = () => open();
  const giveUp = setTimeout(() => document.body.removeEventListener("htmx:afterSettle", whenListed), 15000);
  if (!open()) document.body.addEventListener("htmx:afterSettle", whenListed);
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail?.target;
  if (!target) return;
  if (target.id === PANEL_ID) {
    const panel = target.querySelector(".claim-panel");
    const id = panel?.dataset.claimId ?? null;
    markSelected(id);
    syncSheet();
    // Keep the open claim in the URL so a reload (or a shared link) reopens it.
    history.replaceState(null, "", id ? `${location.pathname}#claim-${id}` : location.pathname);
    if (panel) restoreDrafts(panel, { quiet: shownBeforeSwap === id });
    shownBeforeSwap = null;
    const wanted = panel?.dataset.focus ? $(panel.dataset.focus) : null;
    if (wanted) wanted.focus();
    else if (!document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected) {
      panel?.querySelector("[data-panel-heading]")?.focus();
    } else if (target.classList.contains("is-sheet") && !target.contains(document.activeElement)) {
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
else if (openClaimId()) {
  markSelected(openClaimId());
  syncSheet();
  restoreDrafts(openPanel(), { quiet: false });
}
