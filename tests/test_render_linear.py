"""Rendering is linear in the size of the tree: each node is rendered once (issue 10)."""

from __future__ import annotations

import importlib
from functools import reduce

import pytest

from tutor.expr import BinOp, Name, Num, parse, render
from tutor.expr.nodes import Node, walk

# the module, not the function `tutor.expr.render` that shadows its name
render_module = importlib.import_module("tutor.expr.render")


def _count_renders(monkeypatch: pytest.MonkeyPatch, budget: int) -> list[int]:
    """Count calls of the recursive renderer, failing fast once past `budget`."""
    calls = [0]
    inner = render_module._render

    def counting(node: Node) -> tuple[str, int]:
        calls[0] += 1
        if calls[0] > budget:
            raise AssertionError(f"rendering visited more than {budget} nodes")
        return inner(node)

    monkeypatch.setattr(render_module, "_render", counting)
    return calls


@pytest.mark.parametrize(
    "factor",
    [Num(0, "2"), Name(0, "x")],
    ids=["numbers", "names"],
)
def test_a_200_factor_product_renders_each_node_once(monkeypatch: pytest.MonkeyPatch, factor: Node) -> None:
    # Built by hand: the reader refuses trees this deep, but rendering must not care.
    tree = reduce(lambda acc, _: BinOp(0, "*", acc, factor), range(199), factor)
    nodes = sum(1 for _ in walk(tree))
    calls = _count_renders(monkeypatch, budget=2 * nodes)
    text = render(tree)
    assert calls[0] <= nodes
    assert text.count("·") == 199


def test_the_40_factor_product_from_the_issue_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "*".join(["2"] * 40)  # 79 characters; it used to never finish
    tree = parse(text)
    calls = _count_renders(monkeypatch, budget=2 * sum(1 for _ in walk(tree)))
    assert render(tree) == "·".join(["2"] * 40)
    assert calls[0] == 79
