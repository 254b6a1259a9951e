// Drafts of the claim panel's forms, kept in the browser so unsaved typing is never lost.
//
// A draft belongs to one user, one claim and one form of its panel (the section: "claim",
// "verdict", "source", "comment"). It records the claim version it was typed against and,
// per field, the stored value it started from (``base``) and the typed value. Restoring
// compares ``base`` with what the server shows now, so a draft never hides someone else's
// later edit (see annotate.js). Storage is localStorage, with memory as the fallback when
// the browser refuses it (private windows, quota): drafts then last as long as the page.

const PREFIX = "factdesk:draft:";
/** Drafts older than this are dropped when seen: nobody comes back to them. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const memory = new Map();

function store() {
  try {
    const probe = `${PREFIX}probe`;
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    return null;
  }
}

const storage = store();

function read(key) {
  try {
    return storage ? storage.getItem(key) : memory.get(key) ?? null;
  } catch {
    return memory.get(key) ?? null;
  }
}

function write(key, value) {
  memory.set(key, value);
  try {
    storage?.setItem(key, value);
  } catch {
    // Quota or privacy settings: the in-memory copy still covers this page.
  }
}

function remove(key) {
  memory.delete(key);
  try {
    storage?.removeItem(key);
  } catch {
    // Nothing to do: the in-memory copy is gone.
  }
}

/** The storage key of a draft: per user, claim and panel section. */
export function draftKey(userId, claimId, section) {
  return `${PREFIX}u${userId}:c${claimId}:${section}`;
}

/** The draft {version, fields: {name: {base, value}}, savedAt} under ``key``, or null. */
export function loadDraft(key) {
  const raw = read(key);
  if (!raw) return null;
  try {
    const draft = JSON.parse(raw);
    if (!draft || typeof draft.fields !== "object" || Date.now() - (draft.savedAt ?? 0) > MAX_AGE_MS) {
      remove(key);
      return null;
    }
    return Object.keys(draft.fields).length ? draft : null;
  } catch {
    remove(key);
    return null;
  }
}

/** Keep ``fields`` ({name: {base, value}}) as the draft under ``key``; no fields: forget it. */
export function saveDraft(key, version, fields) {
  if (!Object.keys(fields).length) {
    remove(key);
    return;
  }
  write(key, JSON.stringify({ version: String(version ?? ""), fields, savedAt: Date.now() }));
}

export function removeDraft(key) {
  remove(key);
}
