// Apply a console's `view_patch` (docs/events.md): what changed since the view it holds,
// keyed by id, made by facilitator/service/view_patch.py. Nothing here touches the page.

/**
 * Return `view` with `patch` applied, or null when the patch is not for this view (its
 * `base` is not the view's `revision`): the console then asks `sync` for the whole view.
 * @param {object} view - the console's view, with its `revision`
 * @param {{base: string, revision: string, patch: object}} message - a `view_patch`
 */
export function patched(view, message) {
  if (!view || view.revision !== message.base) return null;
  return applyObject(view, message.patch);
}

/** Return a copy of `object` with an object patch `{set, del, sub}` applied. */
export function applyObject(object, patch) {
  const out = { ...object };
  for (const key of patch.del ?? []) delete out[key];
  Object.assign(out, patch.set ?? {});
  for (const [key, inner] of Object.entries(patch.sub ?? {})) {
    out[key] = "key" in inner ? applyList(out[key], inner) : applyObject(out[key], inner);
  }
  return out;
}

/** Return a copy of `items` with a list patch `{key, put, drop, sub, order}` applied. */
function applyList(items, patch) {
  const field = patch.key;
  const byId = new Map(items.map((item) => [item[field], item]));
  for (const id of patch.drop ?? []) byId.delete(id);
  for (const [id, inner] of patch.sub ?? []) byId.set(id, applyObject(byId.get(id), inner));
  const put = patch.put ?? [];
  const order = patch.order ?? [...items.map((item) => item[field]).filter((id) => byId.has(id)), ...put.map((item) => item[field])];
  for (const item of put) byId.set(item[field], item);
  return order.map((id) => byId.get(id));
}
