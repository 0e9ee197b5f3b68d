"""The difference between two console views, as a patch the console applies
(client/js/view_patch.js): what changed, keyed by id, instead of the whole view again.

A patch of an object: {"set": {key: value}, "del": [key], "sub": {key: patch}}.
A patch of a list whose items are objects with an id: {"key": "id", "put": [item],
"drop": [id], "sub": [[id, patch]], "order": [id]}; "order" only when the ids no longer
keep their order (items removed keep it; items put go last). Empty parts are left out.

Made from two views of the same audience, it holds nothing the newer view does not.
"""

from __future__ import annotations

from typing import Any

# The fields that identify an item of a list in a view, tried in this order.
ID_FIELDS = ("id", "poll_id", "participant_id")

Patch = dict[str, Any]


def diff(old: dict[str, Any], new: dict[str, Any]) -> Patch:
    """Return the patch that turns `old` into `new` (empty when they are equal)."""
    changed: dict[str, Any] = {}
    sub: dict[str, Patch] = {}
    for key, value in new.items():
        if key not in old:
            changed[key] = value
            continue
        before = old[key]
        # Parts kept from the last render (view_memo) are the same objects: no walk.
        if before is value or before == value:
            continue
        inner = _nested(before, value)
        if inner is None:
            changed[key] = value
        else:
            sub[key] = inner
    removed = [key for key in old if key not in new]
    patch: Patch = {}
    if changed:
        patch["set"] = changed
    if removed:
        patch["del"] = removed
    if sub:
        patch["sub"] = sub
    return patch


def _nested(before: Any, after: Any) -> Patch | None:
    """Return a patch of two unequal values, or None when the new value is sent whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        return diff(before, after)
    if isinstance(before, list) and isinstance(after, list):
        field = _id_field(before, after)
        if field is not None:
            return _diff_list(before, after, field)
    return None


def _id_field(before: list[Any], after: list[Any]) -> str | None:
    """Return the field that tells the items of both lists apart, if there is one."""
    items = before + after
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for field in ID_FIELDS:
        if all(isinstance(item.get(field), (str, int)) for item in items):
            ids = [item[field] for item in before], [item[field] for item in after]
            if all(len(set(part)) == len(part) for part in ids):
                return field
    return None


def _diff_list(before: list[Any], after: list[Any], field: str) -> Patch:
    old = {item[field]: item for item in before}
    new_ids = [item[field] for item in after]
    put: list[Any] = []
    sub: list[list[Any]] = []
    for item in after:
        was = old.get(item[field])
        if was is None:
            put.append(item)
        elif was is not item and was != item:
            sub.append([item[field], diff(was, item)])
    kept = set(new_ids)
    drop = [key for key in old if key not in kept]
    patch: Patch = {"key": field}
    if put:
        patch["put"] = put
    if drop:
        patch["drop"] = drop
    if sub:
        patch["sub"] = sub
    expected = [key for key in old if key in kept] + [item[field] for item in put]
    if expected != new_ids:
        patch["order"] = new_ids
    return patch


def apply(view: dict[str, Any], patch: Patch) -> dict[str, Any]:
    """Return `view` with `patch` applied (what the console does; for tests and tools)."""
    out = {key: value for key, value in view.items() if key not in patch.get("del", ())}
    out.update(patch.get("set", {}))
    for key, inner in patch.get("sub", {}).items():
        out[key] = _apply_list(out[key], inner) if "key" in inner else apply(out[key], inner)
    return out


def _apply_list(items: list[Any], patch: Patch) -> list[Any]:
    field = patch["key"]
    by_id = {item[field]: item for item in items}
    for key in patch.get("drop", ()):
        by_id.pop(key, None)
    for key, inner in patch.get("sub", ()):
        by_id[key] = apply(by_id[key], inner)
    order = patch.get("order")
    if order is None:
        order = [item[field] for item in items if item[field] in by_id]
        order += [item[field] for item in patch.get("put", ())]
    for item in patch.get("put", ()):
        by_id[item[field]] = item
    return [by_id[key] for key in order]
