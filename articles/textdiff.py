"""Comparing two versions of an article body: offset mapping for claims, and a readable diff.

Two jobs, one alignment:

* :func:`align` lines up the unchanged stretches of an old and a new body
  (:class:`Block`). A claim whose quote sits wholly inside an unchanged stretch is still
  "at the same place" after the edit, and :func:`map_span` says where that place is now.
  This is the *exact position* step of re-anchoring (see ``articles.corrections``): an
  edit before a claim shifts it without making it any less anchored.
* :func:`diff_bodies` turns the same kind of comparison into paragraphs and word runs
  for the revision page. It returns plain data; templates escape it, so no user text is
  ever marked safe.

Pure Python (difflib), no Django.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

__all__ = [
    "Block",
    "DiffParagraph",
    "DiffSegment",
    "align",
    "diff_bodies",
    "map_edges",
    "map_position",
    "map_span",
]

#: Changed stretches up to this many characters (on both sides) are aligned character by
#: character, so two small edits in one paragraph leave the words between them mapped.
#: Longer ones only get their common start and end trimmed: difflib is quadratic (a
#: completely rewritten 3,000-character stretch takes about 0.2 s).
CHAR_ALIGN_LIMIT = 3000

#: Canonical bodies separate paragraphs with exactly one blank line (see ``articles.text``).
PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class Block:
    """``old[old_start:old_start+size] == new[new_start:new_start+size]``, the same text at the same place."""

    old_start: int
    new_start: int
    size: int

    @property
    def old_end(self) -> int:
        return self.old_start + self.size

    @property
    def new_end(self) -> int:
        return self.new_start + self.size


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix, by halving (slice compares run in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def _align_chars(old: str, new: str, old_offset: int, new_offset: int) -> list[Block]:
    """Unchanged stretches of one changed region (offsets are added to the results)."""
    if not old or not new:
        return []
    if len(old) <= CHAR_ALIGN_LIMIT and len(new) <= CHAR_ALIGN_LIMIT:
        matcher = SequenceMatcher(None, old, new, autojunk=False)
        return [
            Block(old_offset + a, new_offset + b, size)
            for a, b, size in matcher.get_matching_blocks()
            if size
        ]
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old[prefix:], new[prefix:])
    blocks = [Block(old_offset, new_offset, prefix)] if prefix else []
    if suffix:
        blocks.append(Block(old_offset + len(old) - suffix, new_offset + len(new) - suffix, suffix))
    return blocks


def _paragraphs(text: str, offset: int) -> tuple[list[str], list[int]]:
    """Paragraphs of ``text`` (split on blank lines) and their start offsets, shifted by ``offset``."""
    paragraphs = text.split(PARAGRAPH_BREAK)
    starts: list[int] = []
    position = offset
    for paragraph in paragraphs:
        starts.append(position)
        position += len(paragraph) + len(PARAGRAPH_BREAK)
    return paragraphs, starts


def align(old: str, new: str) -> list[Block]:
    """The unchanged stretches shared by ``old`` and ``new``, in order of the old text.

    The common start and end of the two texts are taken whole (an editor's correction is
    usually one local change). What lies between is compared character by character when
    it is short; otherwise its paragraphs are compared whole first, and each changed group
    of paragraphs character by character. Either way a sentence moved to another paragraph is found as deleted here and
    inserted there, not as an unchanged stretch.

    The common start and end are measured independently of each other, so when a pure
    insertion or deletion could have happened at several places (inserting "ab" after
    "ab"), their blocks overlap and a quote next to the edit maps through whichever one
    contains it: neither reading of the ambiguous edit moves a claim.
    """
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new)
    blocks: list[Block] = []
    if prefix:
        blocks.append(Block(0, 0, prefix))
    if prefix + suffix < min(len(old), len(new)):
        if max(len(old), len(new)) - prefix - suffix <= CHAR_ALIGN_LIMIT:
            old_middle, new_middle = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
            blocks.extend(_align_chars(old_middle, new_middle, prefix, prefix))
        else:
            blocks.extend(_align_paragraphs(old, new, prefix, suffix))
    if suffix:
        blocks.append(Block(len(old) - suffix, len(new) - suffix, suffix))
    return sorted(blocks, key=lambda block: (block.old_start, block.new_start))


def _align_paragraphs(old: str, new: str, prefix: int, suffix: int) -> list[Block]:
    """Unchanged stretches of a long changed middle: whole paragraphs first, then characters.

    Paragraphs rather than lines: the blank lines between paragraphs are all alike, and
    difflib would either spend quadratic time on them or (as "junk") let them cut every
    run of unchanged paragraphs into single ones.
    """
    # Widen the middle to paragraph boundaries so that paragraphs compare whole on both sides.
    start = old.rfind(PARAGRAPH_BREAK, 0, prefix)
    start = 0 if start == -1 else start + len(PARAGRAPH_BREAK)
    tail = suffix
    while tail and not old.endswith(PARAGRAPH_BREAK, 0, len(old) - tail):
        tail -= 1
    old_parts, old_starts = _paragraphs(old[start : len(old) - tail], start)
    new_parts, new_starts = _paragraphs(new[start : len(new) - tail], start)
    blocks: list[Block] = []
    matcher = SequenceMatcher(None, old_parts, new_parts, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag not in ("equal", "replace"):
            continue
        o1, o2 = old_starts[i1], old_starts[i2 - 1] + len(old_parts[i2 - 1])
        n1, n2 = new_starts[j1], new_starts[j2 - 1] + len(new_parts[j2 - 1])
        if tag == "equal" and o2 > o1:
            blocks.append(Block(o1, n1, o2 - o1))
        elif tag == "replace":
            blocks.extend(_align_chars(old[o1:o2], new[n1:n2], o1, n1))
    return blocks


def map_span(blocks: Sequence[Block], start: int, end: int) -> list[tuple[int, int]]:
    """Where ``old[start:end]`` sits in the new text, if it lies wholly inside an unchanged block.

    Usually zero or one answer; two when an ambiguous insertion or deletion next to the
    span could be read either way (see :func:`align`), both holding the same text.
    """
    found: list[tuple[int, int]] = []
    for block in blocks:
        if block.old_start <= start and end <= block.old_end:
            shift = block.new_start - block.old_start
            if (start + shift, end + shift) not in found:
                found.append((start + shift, end + shift))
    return found


def map_edges(blocks: Sequence[Block], start: int, end: int) -> list[tuple[int, int]]:
    """Where ``old[start:end]`` would sit if only one of its ends is followed through the edit.

    For a span that straddles a block boundary: its first character lies in an unchanged
    block (or its last character does), and the span is assumed to keep its length. A
    deletion next to a quote can often be read as removing the quote's last letter and
    keeping an identical letter after it ("line.\n\nThe" -> "line": which "e" went?);
    callers check that the new text at the returned span really is the quote.
    """
    length = end - start
    found: list[tuple[int, int]] = []
    for block in blocks:
        shift = block.new_start - block.old_start
        if block.old_start <= start < block.old_end:
            found.append((start + shift, start + shift + length))
        if block.old_start < end <= block.old_end:
            found.append((end + shift - length, end + shift))
    return list(dict.fromkeys(found))


def map_position(blocks: Sequence[Block], position: int) -> int:
    """Best guess for where an old offset lies in the new text (a search hint, not a promise).

    Inside an unchanged block the answer is exact; inside a changed stretch it is the
    same distance past the end of the preceding unchanged block.
    """
    ordered = sorted(blocks, key=lambda block: block.old_start)
    index = bisect_right([block.old_start for block in ordered], position) - 1
    if index < 0:
        return position if not ordered else max(0, ordered[0].new_start - (ordered[0].old_start - position))
    block = ordered[index]
    if position <= block.old_end:
        return block.new_start + (position - block.old_start)
    return block.new_end + (position - block.old_end)


# ------------------------------------------------------------------ readable diff


DiffKind = Literal["equal", "insert", "delete", "replace"]


@dataclass(frozen=True)
class DiffSegment:
    """A run of words in a changed paragraph: ``kind`` is "equal", "insert" or "delete"."""

    kind: DiffKind
    text: str


@dataclass(frozen=True)
class DiffParagraph:
    """One paragraph of the diff view.

    ``kind`` is "equal" (unchanged), "insert" (new paragraph), "delete" (removed
    paragraph) or "replace" (changed: ``segments`` marks the changed words). ``skipped``
    is set on an "equal" placeholder standing for that many unchanged paragraphs.
    """

    kind: DiffKind
    segments: tuple[DiffSegment, ...]
    skipped: int = 0


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def _word_segments(old: str, new: str) -> tuple[DiffSegment, ...]:
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    segments: list[DiffSegment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(DiffSegment("equal", "".join(old_tokens[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(DiffSegment("delete", "".join(old_tokens[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(DiffSegment("insert", "".join(new_tokens[j1:j2])))
    return tuple(segments)


def diff_bodies(old: str, new: str, *, context: int = 1) -> list[DiffParagraph]:
    """Paragraph-by-paragraph diff of two canonical bodies, with changed words marked.

    Runs of unchanged paragraphs longer than ``2 * context`` are collapsed into one
    placeholder, so a one-word correction in a long article shows on one screen.
    """
    old_paragraphs = old.split("\n\n") if old else []
    new_paragraphs = new.split("\n\n") if new else []
    matcher = SequenceMatcher(None, old_paragraphs, new_paragraphs, autojunk=False)
    result: list[DiffParagraph] = []
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            run = old_paragraphs[i1:i2]
            keep_head = context if index > 0 else 0
            keep_tail = context if index < len(opcodes) - 1 else 0
            if len(run) > keep_head + keep_tail + 1:
                head = run[:keep_head]
                tail = run[len(run) - keep_tail :] if keep_tail else []
                result.extend(DiffParagraph("equal", (DiffSegment("equal", text),)) for text in head)
                result.append(DiffParagraph("equal", (), skipped=len(run) - len(head) - len(tail)))
                result.extend(DiffParagraph("equal", (DiffSegment("equal", text),)) for text in tail)
            else:
                result.extend(DiffParagraph("equal", (DiffSegment("equal", text),)) for text in run)
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for old_text, new_text in zip(old_paragraphs[i1:i2], new_paragraphs[j1:j2], strict=True):
                result.append(DiffParagraph("replace", _word_segments(old_text, new_text)))
        else:
            result.extend(
                DiffParagraph("delete", (DiffSegment("delete", text),)) for text in old_paragraphs[i1:i2]
            )
            result.extend(
                DiffParagraph("insert", (DiffSegment("insert", text),)) for text in new_paragraphs[j1:j2]
            )
    return result
