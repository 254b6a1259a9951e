// UTF-16 offsets of points in the page: the one place the browser side counts them.
//
// JavaScript strings, and so DOM text, count UTF-16 code units (an emoji is two); the
// server stores code points and converts what the page sends with
// annotations.anchoring.utf16_to_index. Pages send offsets measured here, never their own.

/**
 * The UTF-16 offset of the boundary point (node, offset) from the start of the text of
 * ``container``, which must contain ``node``.
 */
export function utf16OffsetWithin(container, node, offset) {
  const range = document.createRange();
  range.selectNodeContents(container);
  range.setEnd(node, offset);
  return range.toString().length;
}
