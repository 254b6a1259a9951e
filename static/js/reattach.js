// Re-attach page: turn a selection inside the article text into the form's offsets.
//
// The text is one text node (the canonical body, escaped by the template), so DOM range
// offsets are already UTF-16 offsets into the body: the server converts them to code
// points (annotations.highlight.selection_to_range). Typing in the text box instead
// clears the offsets, and the server then looks the words up.

import { utf16OffsetWithin } from "./offsets.js";

const text = document.getElementById("reattach-text");
const form = document.getElementById("reattach-form");

if (text && form) {
  const start = form.querySelector("[name=start]");
  const end = form.querySelector("[name=end]");
  const exact = form.querySelector("[name=exact]");

  const capture = () => {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    start.value = String(utf16OffsetWithin(text, range.startContainer, range.startOffset));
    end.value = String(utf16OffsetWithin(text, range.endContainer, range.endOffset));
    exact.value = range.toString();
  };

  text.addEventListener("mouseup", capture);
  text.addEventListener("keyup", capture);
  exact.addEventListener("input", () => {
    start.value = "";
    end.value = "";
  });
}
