"""The ``fields`` and ``exclude_fields`` query parameters: keep or drop dotted paths of a response.

Paths are comma-separated and dotted from the response root (``members.id,total_items``); a
path through a list applies to each element, as in Mailchimp's partial responses.
"""

from __future__ import annotations

from typing import Any

Tree = dict[str, Any]


def parse_paths(raw: str | None) -> Tree | None:
    """``"a.b,a.c,d"`` → ``{"a": {"b": {}, "c": {}}, "d": {}}``; None when not given."""
    if not raw:
        return None
    tree: Tree = {}
    for path in raw.split(","):
        node = tree
        for part in path.strip().split("."):
            if part:
                node = node.setdefault(part, {})
    return tree


def keep(document: Any, tree: Tree) -> Any:
    """Only the paths in ``tree`` (an empty subtree keeps the whole value)."""
    if not tree:
        return document
    if isinstance(document, list):
        return [keep(item, tree) for item in document]
    if not isinstance(document, dict):
        return document
    if not any(tree.values()):
        return {key: document[key] for key in tree if key in document}
    return {key: keep(document[key], sub) for key, sub in tree.items() if key in document}


def drop(document: Any, tree: Tree) -> Any:
    """Everything except the paths in ``tree``."""
    if isinstance(document, list):
        return [drop(item, tree) for item in document]
    if not isinstance(document, dict):
        return document
    kept: dict[str, Any] = {}
    for key, value in document.items():
        sub = tree.get(key)
        if sub is None:
            kept[key] = value
        elif sub:
            kept[key] = drop(value, sub)
    return kept
