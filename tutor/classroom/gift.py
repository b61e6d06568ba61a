"""GIFT, Moodle's plain-text question format: a writer for our items and a reader of GIFT files.

Writing: every question is one `::name::[markdown]text{answers}` block, separated by blank
lines; a randomised question's variants sit in a category of their own. Newlines inside a text
are written `\\n`, so a blank line in a Markdown prompt never ends the question early. GIFT
keeps no hints, no penalty, no weight and no vector blanks (see `GIFT_KINDS`).

Reading: comments, `$CATEGORY:`, titles, `[markdown]`/`[html]`/`[plain]`/`[moodle]` formats,
true/false, multiple choice with weights and feedback, short answer, numerical (`value:tol`
and `min..max`), essay and general feedback. Matching, missing-word (text after the answers)
and description items are read and reported as such; the importer decides what to do.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tutor.classroom.items import (
    Built,
    Item,
    moodle_percent,
    moodle_regraded,
    number,
    star_escaped,
    summarise,
)

GIFT_KINDS = {"numerical", "multichoice", "shortanswer", "essay", "matching"}
_SPECIAL = "~=#{}:"


def escape(text: str) -> str:
    """GIFT's escapes: a backslash before each special character, `\\n` for a newline."""
    out = text.replace("\\", "\\\\")
    for ch in _SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _weighted(prefix: str, answer_text: str, fraction: float, feedback: str, tol: float | None = None) -> str:
    body = answer_text if tol is None else f"{answer_text}:{number(tol)}"
    if fraction == 1.0 and prefix == "=":
        mark = "="
    elif fraction >= 1.0:
        # Moodle reads a weight of at most two whole digits (its regex is %-*[0-9]{1,2}.?[0-9]*%),
        # and a `=` would make a multiple-answer choice single: the nearest weight it reads.
        mark = f"{prefix}%99.99999%"
    else:
        mark = f"{prefix}%{moodle_percent(fraction)}%"
    line = f"{mark}{body}"
    return line + (f"#{escape(feedback)}" if feedback else "")


def _answers(item: Item) -> list[str]:
    if item.kind == "numerical":
        return [
            _weighted("=", number(float(a.text)), a.fraction, a.feedback, a.tolerance or 0.0)
            for a in item.answers
        ]
    if item.kind == "multichoice":
        lines = []
        for a in item.answers:
            if item.single and a.fraction == 1.0:
                lines.append("=" + escape(a.text) + (f"#{escape(a.feedback)}" if a.feedback else ""))
            elif item.single and a.fraction == 0.0:
                lines.append("~" + escape(a.text) + (f"#{escape(a.feedback)}" if a.feedback else ""))
            else:
                lines.append(_weighted("~", escape(a.text), a.fraction, a.feedback))
        return lines
    if item.kind == "matching":
        # `=left -> right`; a right side with no left (`= -> x`) is a distractor in Moodle.
        return [f"={escape(left)} -> {escape(right)}" for left, right in item.pairs] + [
            f"= -> {escape(d)}" for d in item.distractors
        ]
    if item.kind == "shortanswer":
        return [
            _weighted("=", escape(star_escaped(a.text)), a.fraction, a.feedback)
            for a in item.answers
            if "->" not in a.text
        ]
    return []  # essay


def _arrow_problem(item: Item) -> tuple[str, bool] | None:
    """What GIFT loses to `->`, which it cannot escape (Moodle reads `=a -> b` as a matching pair),
    and whether the whole item goes: a matching item holding it in its own texts, or a short
    answer all of whose texts hold it; otherwise only those short answers are left out."""
    if item.kind == "matching":
        texts = [text for pair in item.pairs for text in pair] + item.distractors
        if any("->" in text for text in texts):
            return "a matching item containing `->` (GIFT cannot escape it)", True
    if item.kind == "shortanswer":
        arrows = [a for a in item.answers if "->" in a.text]
        if arrows:
            what = "short answers containing `->` (Moodle reads them as matching; left out)"
            return what, len(arrows) == len(item.answers)
    return None


def write_item(item: Item) -> str:
    head = f"::{escape(item.name)}::[markdown]{escape(item.prompt)}"
    lines = [head + ("{#" if item.kind == "numerical" else "{")]
    lines += [f"\t{line}" for line in _answers(item)]
    general = item.model_answer if item.kind == "essay" and not item.solution else item.solution
    if general:
        lines.append(f"\t####{escape(general)}")
    lines.append("}")
    return "\n".join(lines)


def write(built: Built, course: str = "tutor") -> tuple[str, list[str]]:
    """The GIFT text of `built`'s items, and what GIFT could not keep (sentences)."""
    parts = ["// Questions exported by tutor (GIFT). Import: Question bank > Import > GIFT format."]
    current = None
    lost: dict[str, list[str]] = {}
    every = [item for group in built.groups for item in group.items]
    regraded = moodle_regraded(every)
    for group in built.groups:
        category = f"$course$/{course}/{group.bank}"
        if len(group.items) > 1:
            category += f"/{group.question_id}"
        if category != current:
            parts.append(f"$CATEGORY: {category}")
            current = category
        for item in group.items:
            problem = _arrow_problem(item)
            if problem is not None:
                lost.setdefault(problem[0], []).append(item.question_id)
                if problem[1]:
                    continue  # nothing of it left to write
            parts.append(write_item(item))
            if item.kind == "shortanswer" and item.case_sensitive:
                lost.setdefault("case-sensitive matching (GIFT short answers ignore case)", []).append(
                    item.question_id
                )
            if item.hints:
                lost.setdefault("hints", []).append(item.question_id)
            if item.penalty:
                lost.setdefault("the penalty for a further try", []).append(item.question_id)
            if item.all_or_nothing:
                lost.setdefault("all-or-nothing scoring (net scoring instead)", []).append(item.question_id)
    return "\n\n".join(parts) + "\n", regraded + summarise(lost, "GIFT", every)


# ---------------------------------------------------------------------------------------- reading


@dataclass
class GiftAnswer:
    text: str
    fraction: float
    feedback: str = ""
    tolerance: float | None = None  # numerical
    match: str | None = None  # matching pairs: the right-hand side
    marked: bool = False  # written with `=`: in Moodle a choice holding one is single-answer


@dataclass
class GiftQuestion:
    line: int  # where the question starts, 1-based
    title: str | None
    category: str | None
    text_format: str  # markdown | html | plain | moodle
    text: str
    kind: str  # numerical | multichoice | shortanswer | truefalse | essay | matching | description
    answers: list[GiftAnswer] = field(default_factory=list)
    general_feedback: str = ""
    true_answer: bool | None = None  # truefalse
    tail: str = ""  # text after the answers: a missing-word question
    problems: list[str] = field(default_factory=list)


class GiftError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


_ESCAPES = {"\\" + ch: ch for ch in _SPECIAL} | {"\\n": "\n", "\\\\": "\\"}


def unescape(text: str) -> str:
    return re.sub(r"\\[\\~=#{}:n]", lambda m: _ESCAPES[m.group(0)], text)


def _split_unescaped(text: str, seps: str) -> list[tuple[str, str]]:
    """(separator, piece) pairs: each piece starts at an unescaped separator character."""
    out: list[tuple[str, str]] = []
    sep, buf, i = "", [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch in seps:
            if sep or "".join(buf).strip():
                out.append((sep, "".join(buf)))
            sep, buf = ch, []
        else:
            buf.append(ch)
        i += 1
    if sep or "".join(buf).strip():
        out.append((sep, "".join(buf)))
    return out


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _blocks(source: str) -> list[tuple[int, str, str | None]]:
    """(first line, text, category) of each question; comments and categories removed."""
    blocks: list[tuple[int, str, str | None]] = []
    category: str | None = None
    buf: list[str] = []
    start = 0
    for number_, raw in enumerate(source.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:") and not buf:
            category = stripped[len("$CATEGORY:") :].strip()
            continue
        if not stripped:
            if buf:
                blocks.append((start, "\n".join(buf), category))
                buf = []
            continue
        if not buf:
            start = number_
        buf.append(line)
    if buf:
        blocks.append((start, "\n".join(buf), category))
    return blocks


def _fraction(piece: str, line: int) -> tuple[float | None, str]:
    m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", piece)
    if not m:
        return None, piece
    value = float(m.group(1))
    if not -100 <= value <= 100:
        raise GiftError(line, f"the weight %{m.group(1)}% is outside -100..100")
    return value / 100, piece[m.end() :]


def _feedback(piece: str) -> tuple[str, str]:
    at = _find_unescaped(piece, "#")
    if at < 0:
        return piece, ""
    return piece[:at], piece[at + 1 :]


def _numeric_value(text: str, line: int) -> tuple[float, float]:
    text = unescape(text).strip()
    try:
        if ".." in text:
            low, high = (float(x) for x in text.split("..", 1))
            value, tol = low / 2 + high / 2, abs(high / 2 - low / 2)  # halves: no overflow near 1e308
        elif ":" in text:
            left, right = text.split(":", 1)
            value, tol = float(left), abs(float(right))
        else:
            value, tol = float(text), 0.0
    except ValueError:
        raise GiftError(line, f"`{text}` is not a number") from None
    # `1e999` reads as infinity and `nan` as NaN: no answer can be either (issue 23).
    if not (math.isfinite(value) and math.isfinite(tol)):
        raise GiftError(line, f"`{text}` is not a finite number")
    return value, tol


def parse(source: str) -> list[GiftQuestion]:
    """Every question of a GIFT text; raises GiftError for a question that cannot be read."""
    questions = []
    for line, block, category in _blocks(source):
        questions.append(_question(line, block, category))
    return questions


def _question(line: int, block: str, category: str | None) -> GiftQuestion:
    title = None
    text = block
    m = re.match(r"\s*::(.*?)(?<!\\)::", text, re.S)
    if m:
        title = unescape(m.group(1)).strip()
        text = text[m.end() :]
    fmt_match = re.match(r"\s*\[(markdown|html|plain|moodle)\]", text)
    text_format = "moodle"
    if fmt_match:
        text_format = fmt_match.group(1)
        text = text[fmt_match.end() :]
    open_at = _find_unescaped(text, "{")
    if open_at < 0:
        return GiftQuestion(line, title, category, text_format, unescape(text).strip(), "description")
    close_at = _find_unescaped(text, "}", open_at)
    if close_at < 0:
        raise GiftError(line, "the answers' `{` is never closed")
    head, body, tail = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
    question = GiftQuestion(line, title, category, text_format, unescape(head).strip(), "essay")
    question.tail = unescape(tail).strip()
    general_at = _find_unescaped(body, "####")
    if general_at >= 0:
        question.general_feedback = unescape(body[general_at + 4 :]).strip()
        body = body[:general_at]
    stripped = body.strip()
    if not stripped:
        return question  # essay
    if re.fullmatch(r"(T|TRUE|F|FALSE)(\s*#.*)?", stripped, re.S):
        # {T#shown after a wrong answer#shown after the right one}, as Moodle reads it
        question.kind = "truefalse"
        word, feedback = _feedback(stripped)
        wrong, right = _feedback(feedback)
        question.true_answer = word.strip() in ("T", "TRUE")
        question.answers.append(GiftAnswer(str(question.true_answer), 1.0, unescape(right).strip()))
        question.answers.append(GiftAnswer(str(not question.true_answer), 0.0, unescape(wrong).strip()))
        return question
    if stripped.startswith("#"):
        question.kind = "numerical"
        for sep, piece in _split_unescaped(stripped[1:], "=~"):
            fraction, rest = _fraction(piece, line)
            if fraction is None:
                fraction = 1.0 if sep in ("=", "") else 0.0
            value_text, feedback = _feedback(rest)
            if not value_text.strip():
                continue
            value, tol = _numeric_value(value_text, line)
            question.answers.append(GiftAnswer(number(value), fraction, unescape(feedback).strip(), tol))
        if not question.answers:
            raise GiftError(line, "a numerical question with no answer")
        return question
    pieces = _split_unescaped(stripped, "=~")
    if any(sep == "" for sep, _ in pieces):
        raise GiftError(line, "every answer starts with `=` (right) or `~` (wrong)")
    # Moodle's rule: a block is matching when it has `=` and `->` and no `~` (a choice may hold
    # an option such as `x -> 2x`).
    if all(sep == "=" for sep, _ in pieces) and any(_find_unescaped(piece, "->") >= 0 for _, piece in pieces):
        question.kind = "matching"
        for _, piece in pieces:
            left, _, right = piece.partition("->")
            question.answers.append(
                GiftAnswer(unescape(left).strip(), 1.0, "", None, unescape(right).strip())
            )
        return question
    question.kind = "multichoice" if any(sep == "~" for sep, _ in pieces) else "shortanswer"
    for sep, piece in pieces:
        fraction, rest = _fraction(piece, line)
        if fraction is None:
            fraction = 1.0 if sep == "=" else 0.0
        answer_text, feedback = _feedback(rest)
        question.answers.append(
            GiftAnswer(unescape(answer_text).strip(), fraction, unescape(feedback).strip(), marked=sep == "=")
        )
    return question
