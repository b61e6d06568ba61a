"""Moodle XML: every item kind, with hints, penalties, weights and per-answer feedback.

Texts go as Moodle's own Markdown format. A randomised question's variants sit in a category
of their own (a quiz draws one with "random question from category"). A vector becomes a
Cloze (`multianswer`) question with one NUMERICAL blank per entry. Expression questions are
short answers with the variant's formula as text: STACK (Moodle's CAS plugin) would keep them
symbolic, but it needs Maxima behind the LMS and its own answer-test language; not attempted.
"""

from __future__ import annotations

from typing import Any

from tutor.classroom.items import (
    Answer,
    Built,
    Item,
    moodle_percent,
    moodle_regraded,
    number,
    star_escaped,
    summarise,
    xml_safe,
)

MOODLE_KINDS = {"numerical", "multichoice", "shortanswer", "essay", "cloze", "matching", "ordering"}
_TYPE = {
    "numerical": "numerical",
    "multichoice": "multichoice",
    "shortanswer": "shortanswer",
    "essay": "essay",
    "cloze": "cloze",
    "matching": "matching",
    "ordering": "ordering",  # Moodle's ordering question type (standard since Moodle 4.4)
}


# Stands for `]]>` inside a text until the document is serialised (CDATA cannot hold it).
_CDATA_END = "tutor-cdata-end-5f0c3a9e"


def _cdata(node: Any, text: str) -> None:
    """`text` as a CDATA section, as Moodle's own exporter writes it: Moodle's parser drops the
    space between an entity (`&gt;`) and a following non-ASCII character, so `|e| > δ` written
    with entities imports as `|e| >δ`."""
    from lxml import etree

    text = xml_safe(text)
    if text:
        node.text = etree.CDATA(text.replace("]]>", _CDATA_END))


def _text(parent: Any, tag: str, text: str, fmt: str | None = "markdown") -> Any:
    from lxml import etree

    node = etree.SubElement(parent, tag)
    if fmt is not None:
        node.set("format", fmt)
    _cdata(etree.SubElement(node, "text"), text)
    return node


def _plain(parent: Any, tag: str, text: str) -> Any:
    from lxml import etree

    node = etree.SubElement(parent, tag)
    node.text = xml_safe(text)
    return node


def _answer(parent: Any, answer: Answer, numeric: bool, short: bool = False) -> None:
    from lxml import etree

    node = etree.SubElement(
        parent, "answer", fraction=moodle_percent(answer.fraction), format="moodle_auto_format"
    )
    text = star_escaped(answer.text) if short else answer.text
    _cdata(etree.SubElement(node, "text"), text)
    _text(node, "feedback", answer.feedback)
    if numeric:
        _plain(node, "tolerance", number(answer.tolerance or 0.0))


def _cloze_blank(answers: list[Answer]) -> str:
    # {1:NUMERICAL:=0.27:0.001} — Moodle's Cloze syntax, escaped as its docs say.
    parts = []
    for a in answers:
        mark = "=" if a.fraction == 1.0 else f"%{moodle_percent(a.fraction)}%"
        parts.append(f"{mark}{a.text}:{number(a.tolerance or 0.0)}")
    return "{1:NUMERICAL:" + "~".join(parts) + "}"


def _question(quiz: Any, item: Item) -> None:
    from lxml import etree

    q = etree.SubElement(quiz, "question", type=_TYPE[item.kind])
    _text(q, "name", item.name, fmt=None)
    prompt = item.prompt
    if item.kind == "cloze":
        blanks = "\n".join(f"- entry {k}: {_cloze_blank(b)}" for k, b in enumerate(item.blanks, start=1))
        prompt = f"{prompt}\n\n{blanks}"
    _text(q, "questiontext", prompt)
    _text(q, "generalfeedback", item.solution)
    _plain(q, "defaultgrade", number(item.weight))
    _plain(q, "penalty", f"{item.penalty:.7f}")
    _plain(q, "hidden", "0")
    _plain(q, "idnumber", item.name)
    if item.kind == "numerical":
        for a in item.answers:
            _answer(q, a, numeric=True)
        _plain(q, "unitgradingtype", "0")
        _plain(q, "unitpenalty", "0.1000000")
        _plain(q, "showunits", "3")
        _plain(q, "unitsleft", "0")
    elif item.kind == "multichoice":
        _plain(q, "single", "true" if item.single else "false")
        _plain(q, "shuffleanswers", "true" if item.shuffle else "false")
        _plain(q, "answernumbering", "abc")
        _plain(q, "showstandardinstruction", "0")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(q, tag, "")
        for a in item.answers:
            _answer(q, a, numeric=False)
    elif item.kind == "shortanswer":
        _plain(q, "usecase", "1" if item.case_sensitive else "0")
        for a in item.answers:
            _answer(q, a, numeric=False, short=True)
    elif item.kind == "matching":
        _plain(q, "shuffleanswers", "true")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(q, tag, "")
        # A subquestion with no text is a distractor: an answer that matches no item.
        for left, right in [*item.pairs, *(("", d) for d in item.distractors)]:
            sub = _text(q, "subquestion", left)
            _cdata(etree.SubElement(etree.SubElement(sub, "answer"), "text"), right)
    elif item.kind == "ordering":
        for tag, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", "0"),
            ("gradingtype", "RELATIVE_ALL_PREVIOUS_AND_NEXT"),
            ("showgrading", "SHOW"),
            ("numberingstyle", "none"),
        ):
            _plain(q, tag, value)
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(q, tag, "")
        # In the right order; Moodle keeps the answers' order as the correct one.
        for text in item.order:
            node = etree.SubElement(q, "answer", fraction="1", format="markdown")
            _cdata(etree.SubElement(node, "text"), text)
    elif item.kind == "essay":
        _plain(q, "responseformat", "editor")
        _plain(q, "responserequired", "1")
        _plain(q, "responsefieldlines", "10")
        _plain(q, "attachments", "0")
        _plain(q, "attachmentsrequired", "0")
        rubric = "\n".join(f"- {r}" for r in item.rubric)
        _text(q, "graderinfo", f"{item.model_answer}\n\nRubric:\n\n{rubric}")
        _text(q, "responsetemplate", "", fmt="html")
    for hint in item.hints:
        _text(q, "hint", hint)


def _category(quiz: Any, path: str) -> None:
    from lxml import etree

    q = etree.SubElement(quiz, "question", type="category")
    _text(q, "category", path, fmt=None)
    _text(q, "info", "", fmt="html")


def write(built: Built, course: str = "tutor") -> tuple[bytes, list[str]]:
    """The Moodle XML document of `built`'s items, and what it could not keep (sentences)."""
    from lxml import etree

    quiz = etree.Element("quiz")
    quiz.append(etree.Comment(" Questions exported by tutor. Import: Question bank > Import > Moodle XML. "))
    current = None
    lost: dict[str, list[str]] = {}
    every = [item for group in built.groups for item in group.items]
    regraded = moodle_regraded(every)
    for group in built.groups:
        category = f"$course$/{course}/{group.bank}"
        if len(group.items) > 1:
            category += f"/{group.question_id}"
        if category != current:
            _category(quiz, category)
            current = category
        for item in group.items:
            _question(quiz, item)
            if item.all_or_nothing:
                lost.setdefault("all-or-nothing scoring (net scoring instead)", []).append(item.question_id)
            if item.kind == "essay" and item.hints:
                lost.setdefault("hints on a free answer (Moodle's essay import ignores them)", []).append(
                    item.question_id
                )
    data = etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    # Moodle's exporter splits a `]]>` across two sections the same way.
    data = data.replace(_CDATA_END.encode(), b"]]]]><![CDATA[>")
    return data, regraded + summarise(lost, "Moodle XML", every)
