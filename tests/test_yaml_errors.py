"""The YAML layer: every problem is one line with the file, line and column to edit."""

from __future__ import annotations

import pytest

from tutor.content.loader import load_course

BANK_HEAD = "bank: b\ntitle: B\nquestions:\n"


def messages(root):
    course = load_course(root)
    return [f"{d.file.relative_to(root)}:{d.line}:{d.col}: {d.message}" for d in course.diagnostics]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BANK_HEAD + "  - id: q\n    type: free\n    type: numeric\n",
            "questions/a.yaml:6:5: duplicate key `type` (first defined at line 5); "
            "YAML would silently keep only the last one",
        ),
        (
            BANK_HEAD + "  - id: q\n\t  type: free\n",
            "questions/a.yaml:5:1: tab character in indentation: YAML indents with spaces only",
        ),
        (
            BANK_HEAD + "  - id: q\n    prompt: a: b\n",
            "questions/a.yaml:5:14: unexpected `:`: check the indentation, or quote a value that contains `: `",
        ),
        (
            BANK_HEAD + "  - id: q\n     type: free\n",
            "questions/a.yaml:5:10: unexpected `:`: check the indentation, or quote a value that contains `: `",
        ),
        (
            BANK_HEAD + "  - id: q\n    type: free\n   prompt: x\n",
            "questions/a.yaml:6:4: bad indentation: this line does not line up with the keys above it",
        ),
        (
            "bank: !!python/object/apply:os.system ['echo hi']\n",
            "questions/a.yaml:1:7: unsupported YAML tag `tag:yaml.org,2002:python/object/apply:os.system`",
        ),
        (
            "- just\n- a list\n",
            "questions/a.yaml:1:1: a question bank file must be a mapping of fields, got a list",
        ),
        (
            "",
            "questions/a.yaml:1:1: a question bank file must be a mapping of fields, got an empty file",
        ),
    ],
)
def test_yaml_problem_is_reported_at_its_line(make_course, text, expected):
    root = make_course(questions={"a.yaml": text})
    got = messages(root)
    assert len(got) == 1
    assert got[0].startswith(expected)


def test_alias_bomb_is_refused_without_expanding(make_course):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    root = make_course(questions={"bomb.yaml": "\n".join(lines) + "\n"})
    got = messages(root)
    assert len(got) == 1
    assert "more than 50,000 values, the most one file may hold" in got[0]
    assert "aliases" in got[0]
    assert got[0].startswith("questions/bomb.yaml:")


def test_a_file_of_too_many_values_without_aliases_says_the_limit_not_aliases(make_course):
    # A long bank with no alias at all was told "aliases used too often" (issue 23, item 14).
    values = ", ".join(["1"] * 50_001)
    root = make_course(questions={"big.yaml": f"values: [{values}]\n"})
    got = messages(root)
    assert len(got) == 1
    assert "more than 50,000 values" in got[0]
    assert "the most one file may hold" in got[0]
    assert "alias" not in got[0]
    assert got[0].startswith("questions/big.yaml:")


def test_non_utf8_file_is_reported(make_course, tmp_path):
    root = make_course(questions={})
    (root / "questions" / "latin1.yaml").write_bytes(b"bank: b\ntitle: caf\xe9\n")
    assert messages(root) == ["questions/latin1.yaml:2:1: file is not UTF-8 text"]


def test_merge_keys_fill_in_without_overriding(make_course):
    root = make_course(
        questions={
            "m.yaml": """
            bank: m
            title: Merge
            questions:
              - &base
                id: one
                type: free
                prompt: Explain.
                model_answer: Because.
                rubric: [a point]
              - <<: *base
                id: two
            """
        }
    )
    course = load_course(root)
    assert course.diagnostics == []
    assert [e.id for e in course.banks[0].entries] == ["one", "two"]


GOOD_BANK = "bank: g\ntitle: G\nquestions:\n  - id: good\n    type: free\n    prompt: Explain.\n    model_answer: Because.\n    rubric: [one point]\n"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("[", "]"), ("{a: ", "}"), ("[{a: ", "}]")],
    ids=["sequences", "mappings", "both"],
)
def test_flow_collections_thousands_deep_are_refused_at_their_line(make_course, opening, closing):
    # PyYAML composes recursively: this used to be a RecursionError traceback, and in the app
    # the whole course failed to load.
    deep = BANK_HEAD + "  - id: q\n    type: free\n    prompt: " + opening * 3000 + closing * 3000 + "\n"
    root = make_course(questions={"a.yaml": deep, "b.yaml": GOOD_BANK})
    got = messages(root)
    assert len(got) == 1
    assert got[0].startswith("questions/a.yaml:6:")
    assert got[0].endswith(": nesting deeper than 100 levels")
    assert list(load_course(root).questions) == ["good"]  # the rest of the course loads


def test_an_integer_of_thousands_of_digits_is_reported_at_its_line(make_course):
    # Python refuses to read integers over 4,300 digits: that was a traceback from the loader
    text = (
        "bank: b\ntitle: t\nquestions:\n  - id: q\n    type: numeric\n    prompt: p\n    answer: "
        + "9" * 5000
        + "\n"
    )
    root = make_course(questions={"a.yaml": text})
    got = messages(root)
    assert len(got) == 1 and got[0].startswith("questions/a.yaml:7:13: this value cannot be read"), got
