"""The shared message tree: reading order, current branch and re-linking past dropped nodes."""

from __future__ import annotations

import time

from chatdex.tree import Node, place


def _placed(nodes: list[Node[bool]], current: str | None = None) -> list[tuple[str, str | None, int, bool]]:
    return [
        (p.node.id, p.parent, p.position, p.on_current_branch)
        for p in place(nodes, current, lambda node: node.payload)
    ]


def test_kept_nodes_are_linked_to_their_nearest_kept_ancestor() -> None:
    # a (dropped) -> b -> c (dropped) -> d (dropped) -> e, with f a second child of c and g of a.
    nodes = [
        Node("a", None, 1.0, False),
        Node("b", "a", 2.0, True),
        Node("c", "b", 3.0, False),
        Node("d", "c", 4.0, False),
        Node("e", "d", 5.0, True),
        Node("f", "c", 6.0, True),
        Node("g", "a", 7.0, True),
    ]
    assert _placed(nodes, current="e") == [
        ("b", None, 0, True),
        ("e", "b", 1, True),
        ("f", "b", 2, False),
        ("g", None, 3, False),
    ]


def test_a_chain_where_every_other_node_is_dropped() -> None:
    nodes = [Node(str(i), str(i - 1) if i else None, None, i % 2 == 1) for i in range(7)]
    assert _placed(nodes) == [("1", None, 0, True), ("3", "1", 1, True), ("5", "3", 2, True)]


def test_a_long_run_of_dropped_nodes_with_kept_children_is_placed_in_linear_time() -> None:
    # A spine of dropped nodes, each with a kept leaf (SillyTavern's empty messages with a
    # swipe each): walking up from every leaf past the dropped spine would be quadratic.
    half = 25_000
    nodes: list[Node[bool]] = []
    for i in range(half):
        nodes.append(Node(f"d{i}", f"d{i - 1}" if i else None, float(2 * i), False))
        nodes.append(Node(f"k{i}", f"d{i}", float(2 * i + 1), True))
    started = time.perf_counter()
    placed = place(nodes, None, lambda node: node.payload)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert [(p.node.id, p.parent) for p in placed[:3]] == [("k0", None), ("k1", None), ("k2", None)]
    assert len(placed) == half and all(p.parent is None for p in placed)
    assert [p.node.id for p in placed if p.on_current_branch] == [f"k{half - 1}"]
    # With the spine kept every other node, the leaves hang off the nearest kept spine node.
    mixed = [Node(n.id, n.parent, n.created, n.payload or int(n.id[1:]) % 2 == 0) for n in nodes[:8]]
    assert _placed(mixed) == [
        ("d0", None, 0, True),
        ("k0", "d0", 1, False),
        ("k1", "d0", 2, False),
        ("d2", "d0", 3, True),
        ("k2", "d2", 4, False),
        ("k3", "d2", 5, True),
    ]
