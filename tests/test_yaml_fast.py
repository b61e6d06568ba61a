"""libyaml composes the course; the pure-Python loader must agree on every value and position."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO
from tutor.content import yamlsource
from tutor.content.yamlsource import YamlError, load_yaml

COURSE_FILES = sorted(
    [*REPO.glob("lessons/*.yaml"), *REPO.glob("questions/*.yaml"), *FIXTURES.glob("**/*.yaml")]
)

TRICKY = [
    "a: é ü — ∑\nb: 'quoted ''x'''\nc: \"esc\\taped ∂\"\n",
    "text: |\n  line one\n    indented ∫\n  last\nfold: >\n  folded\n  text\n",
    "a: &x {k: 1, j: [1, 2.5, null, true]}\nb:\n  <<: *x\n  j: 3\n",
    "a:\r\n  - 1\r\n  - two\r\n",
    "# only a comment\n",
    "\ufeffa: bom\n",
]


def _both(text: str, monkeypatch: pytest.MonkeyPatch):
    fast = load_yaml(text)
    with monkeypatch.context() as m:
        m.setattr(yamlsource, "_CLoader", None)
        slow = load_yaml(text)
    return fast, slow


@pytest.mark.skipif(yamlsource._CLoader is None, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("text", [*(p.read_text(encoding="utf-8") for p in COURSE_FILES), *TRICKY])
def test_libyaml_and_pure_python_give_the_same_values_and_positions(text, monkeypatch):
    (fast_value, fast_map), (slow_value, slow_map) = _both(text, monkeypatch)
    assert fast_value == slow_value
    assert fast_map.spans == slow_map.spans


@pytest.mark.parametrize(
    "text",
    [
        "a: b\n c: d\n",  # a `:` where no mapping may start
        "a: *missing\n",
        "a: [1, 2\n",
        "a: " + "[" * 1500 + "]" * 1500 + "\n",  # past libyaml's own nesting limit
    ],
)
def test_errors_are_worded_the_same_with_or_without_libyaml(text, monkeypatch):
    caught = []
    for loader in (yamlsource._CLoader, None):
        with monkeypatch.context() as m:
            m.setattr(yamlsource, "_CLoader", loader)
            with pytest.raises(YamlError) as info:
                load_yaml(text)
            caught.append((info.value.message, info.value.pos))
    assert caught[0] == caught[1]


def test_course_files_exist():
    assert len(COURSE_FILES) > 10, [Path(p).name for p in COURSE_FILES]
