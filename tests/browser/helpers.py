"""What the browser tests share: selecting text by its words, and the caret's state while keys are pressed."""

from __future__ import annotations

from playwright.sync_api import Page

# Select text inside #article-text: from the first occurrence of ``start`` to the end of the
# first occurrence of ``end`` after it (``end`` defaults to ``start``). Offsets are found in
# the concatenated text nodes of the segments, i.e. the body without paragraph breaks.
SELECT_JS = """
([start, end, backwards, padBefore, padAfter]) => {
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = '';
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest('.seg')) continue;
    nodes.push([node, text.length]);
    text += node.data;
  }
  const locate = (index) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i][1] <= index) return [nodes[i][0], index - nodes[i][1]];
    }
    throw new Error('offset not found');
  };
  const from = text.indexOf(start);
  if (from < 0) throw new Error('text not found: ' + start);
  const last = end || start;
  const to = text.indexOf(last, from) + last.length;
  const [sn, so] = locate(from - padBefore);
  const [en, eo] = locate(to + padAfter);
  const selection = document.getSelection();
  if (backwards) selection.setBaseAndExtent(en, eo, sn, so);
  else selection.setBaseAndExtent(sn, so, en, eo);
  return selection.toString();
}
"""


def select(page: Page, start: str, end: str | None = None, *, backwards: bool = False,
           pad_before: int = 0, pad_after: int = 0) -> str:
    return page.evaluate(SELECT_JS, [start, end, backwards, pad_before, pad_after])


# The caret and focus as a keyboard user meets them: what is focused, what is selected, and
# the dozen characters after the caret.
STATE_JS = """
() => {
  const active = document.activeElement;
  const selection = document.getSelection();
  let after = '';
  if (selection.rangeCount && selection.focusNode && selection.focusNode.nodeType === Node.TEXT_NODE) {
    after = selection.focusNode.data.slice(selection.focusOffset, selection.focusOffset + 12);
  }
  const label = active && (active.id ? '#' + active.id : '')
    + ' ' + (active?.getAttribute?.('aria-label') || active?.textContent || '').trim().slice(0, 40);
  return {
    focused: active ? active.tagName.toLowerCase() + label : '',
    id: active?.id ?? '',
    text: active && active.matches('button, a, summary') ? active.textContent.trim() : '',
    label: active && active.labels && active.labels.length ? active.labels[0].textContent.trim() : '',
    selected: selection.toString(),
    collapsed: selection.isCollapsed,
    after,
    caretShown: Boolean(document.querySelector('.text-caret:not([hidden])')),
    button: Boolean(active && active.matches('#new-claim-form button')),
  };
}
"""


def state(page: Page) -> dict:
    return page.evaluate(STATE_JS)


def press_until(page: Page, key: str, matches, *, limit: int = 200) -> dict:
    """Press ``key`` until ``matches(state)`` holds (at most ``limit`` times)."""
    for _ in range(limit):
        now = state(page)
        if matches(now):
            return now
        page.keyboard.press(key)
    raise AssertionError(f"{key} never got there: {state(page)}")
