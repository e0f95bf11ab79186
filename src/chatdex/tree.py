"""Reading order and the current branch of a message tree, shared by every source whose
export stores messages as nodes with parent links (ChatGPT, Claude, Open WebUI, ...).

Exports are untrusted: parents may be missing, dangling, self-referencing or cyclic, and
ids may repeat. Every walk here is iterative and guarded, so a 100 000-message
conversation or a cycle can neither recurse too deep nor loop forever."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Node(Generic[T]):
    id: str
    parent: str | None
    created: float | None
    payload: T


@dataclass(slots=True)
class Placed(Generic[T]):
    node: Node[T]
    parent: str | None  # nearest kept ancestor
    position: int  # index in reading order among kept nodes
    on_current_branch: bool


def _sibling_key(item: tuple[int, Node[T]]) -> tuple[float, int]:
    # Timestamps put regenerations and edits after the original; nodes without one keep
    # the order the export lists them in. Key order in the file can differ between eras.
    index, node = item
    return (node.created if node.created is not None else -math.inf, index)


def place(
    nodes: Sequence[Node[T]],
    current: str | None,
    keep: Callable[[Node[T]], bool],
) -> list[Placed[T]]:
    """Order `nodes` depth-first (a branch is read to its end before its sibling), mark the
    path to `current` (or to the newest leaf when `current` is missing or dangling), and
    return only the nodes `keep` accepts, their parents re-linked past dropped nodes."""
    by_id: dict[str, tuple[int, Node[T]]] = {}
    for index, node in enumerate(nodes):
        by_id.setdefault(node.id, (index, node))

    children: dict[str | None, list[tuple[int, Node[T]]]] = {}
    for index, node in by_id.values():
        parent = node.parent if node.parent in by_id and node.parent != node.id else None
        children.setdefault(parent, []).append((index, node))
    for siblings in children.values():
        siblings.sort(key=_sibling_key)

    order: list[Node[T]] = []
    # The parent each node was reached from: the export's parent link, except where a cycle
    # or a duplicate made that impossible, in which case the node is a root of its own.
    tree_parent: dict[str, str | None] = {}
    # Roots first; then whatever a cycle made unreachable, each taken as a root of its own.
    starts = [node for _, node in children.get(None, [])] + [node for _, node in by_id.values()]
    for start in starts:
        if start.id in tree_parent:
            continue
        tree_parent[start.id] = None
        stack = [start]
        while stack:
            node = stack.pop()
            order.append(node)
            for _, child in reversed(children.get(node.id, [])):
                if child.id not in tree_parent:
                    tree_parent[child.id] = node.id
                    stack.append(child)

    branch = _current_branch(by_id, children, tree_parent, current)
    placed: list[Placed[T]] = []
    # Each node's nearest kept ancestor, worked out once per node: `order` lists a tree parent
    # before its children, so the parent's answer is known when the child is reached. Linear
    # even when long runs of dropped nodes sit between kept ones.
    kept_ancestor: dict[str, str | None] = {}
    is_kept: dict[str, bool] = {}
    for node in order:
        parent = tree_parent[node.id]
        if parent is None:
            kept_ancestor[node.id] = None
        else:
            kept_ancestor[node.id] = parent if is_kept[parent] else kept_ancestor[parent]
        is_kept[node.id] = keep(node)
        if is_kept[node.id]:
            placed.append(
                Placed(
                    node=node,
                    parent=kept_ancestor[node.id],
                    position=len(placed),
                    on_current_branch=node.id in branch,
                )
            )
    return placed


def _current_branch(
    by_id: dict[str, tuple[int, Node[T]]],
    children: dict[str | None, list[tuple[int, Node[T]]]],
    tree_parent: dict[str, str | None],
    current: str | None,
) -> set[str]:
    if current not in by_id:
        leaves = [item for item in by_id.values() if not children.get(item[1].id)]
        if not leaves:
            return set()
        current = max(leaves, key=_sibling_key)[1].id
    branch: set[str] = set()
    cursor: str | None = current
    while cursor is not None:
        branch.add(cursor)
        cursor = tree_parent.get(cursor)
    return branch
