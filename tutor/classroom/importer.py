"""A question bank from a GIFT file, with every GIFT construct that could not be carried said.

GIFT numerical → `numeric` (the tolerance as `abs`, other answers as mistakes), multiple choice
and true/false → `choice`, short answer → `text`, essay → `free`. Matching, missing-word text
after the answers, description items, HTML and Moodle's own text format are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tutor.classroom.gift import GiftError, GiftQuestion, parse
from tutor.classroom.items import number, star_unescaped

_SLUG = re.compile(r"[^a-z0-9_-]+")


def slug(text: str, fallback: str) -> str:
    out = _SLUG.sub("-", text.lower()).strip("-_")
    return out if out and out[0].isalnum() else fallback


@dataclass
class Imported:
    bank: dict[str, Any]
    not_carried: list[str] = field(default_factory=list)  # "line N (id): what was lost"
    skipped: int = 0


def _where(q: GiftQuestion, qid: str) -> str:
    return f"line {q.line} ({qid})"


def import_gift(source: str, bank_id: str, title: str | None = None) -> Imported:
    """The bank (as plain data, ready for YAML) that `source` describes. Raises GiftError when
    a question cannot be read at all."""
    questions = parse(source)
    categories = [q.category for q in questions if q.category]
    if categories:
        # Our own export names the bank by the category's last part; a question's variants
        # sit one level deeper.
        parts = [c.rstrip("/").split("/") for c in categories]
        common = parts[0]
        for other in parts[1:]:
            n = 0
            while n < min(len(common), len(other)) and common[n] == other[n]:
                n += 1
            common = common[:n]
        if common and common[-1] not in ("$course$", "$system$", "$module$"):
            bank_id = slug(common[-1], bank_id)
    out = Imported({"bank": bank_id, "title": title or bank_id, "questions": []})
    _say_what_was_merged(questions, bank_id, out)
    used: set[str] = set()
    for n, q in enumerate(questions, start=1):
        base = slug(q.title or "", f"q{n}")
        qid, k = base, 2
        while qid in used:
            qid, k = f"{base}-{k}", k + 1
        used.add(qid)
        lost: list[str] = []
        question = _convert(q, qid, lost)
        if q.text_format in ("html", "moodle") and q.text != re.sub(r"<[^>]+>", "", q.text):
            lost.append(f"{q.text_format} markup kept as text")
        if q.tail:
            lost.append("text after the answers (a missing-word question) appended to the prompt")
        for what in lost:
            out.not_carried.append(f"{_where(q, qid)}: {what}")
        if question is None:
            out.skipped += 1
            continue
        if q.category and (tag := _category_tag(q.category)) is not None:
            question["tags"] = [tag]
        out.bank["questions"].append(question)
    if not out.bank["questions"]:
        raise GiftError(1, "no question could be imported")
    return out


def _category_tag(category: str) -> str | None:
    """A category's last part as a tag (what keeps the file's categories apart in one bank)."""
    tag = slug(category.rstrip("/").split("/")[-1], "")
    return tag or None


def _say_what_was_merged(questions: list[GiftQuestion], bank_id: str, out: Imported) -> None:
    """Name the categories merged into one bank, and the variants of one LMS question that
    become questions of their own (an export of a randomised question writes one per variant)."""
    categories = list(dict.fromkeys(q.category for q in questions if q.category))
    if len(categories) > 1:
        shown = ", ".join(categories[:4]) + (
            f" and {len(categories) - 4} more" if len(categories) > 4 else ""
        )
        out.not_carried.append(
            f"{len(categories)} categories ({shown}) were merged into the one bank `{bank_id}`; "
            "each question keeps its category's last part as a tag"
        )
    variants: dict[str, list[str]] = {}
    for q in questions:
        if q.title and (m := re.fullmatch(r"(.+)-s\d+", q.title)):
            variants.setdefault(m.group(1), []).append(q.title)
    for stem, names in variants.items():
        if len(names) > 1:
            more = ", …" if len(names) > 3 else ""
            out.not_carried.append(
                f"{len(names)} variants of `{stem}` ({', '.join(names[:3])}{more}) "
                "became separate questions: tutor draws its own variants from parameters, which GIFT "
                "does not keep"
            )


def _prompt(q: GiftQuestion) -> str:
    text = q.text if not q.tail else f"{q.text} _____ {q.tail}"
    return text or "(no text)"


def _mistake_feedback(text: str) -> str:
    return text or "That is not the answer."


def _convert(q: GiftQuestion, qid: str, lost: list[str]) -> dict[str, Any] | None:
    base: dict[str, Any] = {"id": qid}
    if q.kind == "description":
        lost.append("a description item (no answers) is not a question: skipped")
        return None
    if q.kind == "matching":
        pairs = [{"left": a.text, "right": a.match or ""} for a in q.answers if a.text]
        distractors = [a.match for a in q.answers if not a.text and a.match]
        if len(pairs) < 2 or any(not p["right"] for p in pairs):
            lost.append("a matching question needs two pairs or more, each with both sides: skipped")
            return None
        base |= {"type": "matching", "prompt": _prompt(q), "pairs": pairs}
        if distractors:
            base["distractors"] = distractors
        if q.general_feedback:
            base["solution"] = q.general_feedback
        return base
    if q.kind == "numerical":
        right = [a for a in q.answers if a.fraction == 1.0]
        if not right:
            lost.append("a numerical question without a fully right answer: skipped")
            return None
        first = right[0]
        base |= {"type": "numeric", "prompt": _prompt(q), "answer": first.text}
        if first.tolerance:
            base["tolerance"] = {"abs": first.tolerance}
        else:
            base["tolerance"] = {"rel": 1e-9}
            lost.append("an exact numerical answer is given a relative tolerance of 1e-9")
        for extra in right[1:]:
            lost.append(f"a second right answer {extra.text} (only the first is kept)")
        mistakes = []
        kept = [float(first.text)]
        for i, a in enumerate((a for a in q.answers if a.fraction < 1.0), start=1):
            value = float(a.text)
            near = max(first.tolerance or 0.0, 1e-9 * abs(value))
            if any(abs(value - v) <= near for v in kept):
                # Our grader matches the answer first: credit for a wider range around it
                # (Moodle's `=%50%1822:2`) or a repeated value would never be reached.
                lost.append(
                    f"answer {a.text}±{number(a.tolerance or 0)} at {a.fraction * 100:g}% (inside another)"
                )
                continue
            kept.append(value)
            if a.fraction < 0:
                lost.append(f"the negative weight of answer {a.text} (scored 0)")
            if a.tolerance not in (None, first.tolerance):
                lost.append(f"the tolerance of wrong answer {a.text} (the question's is used)")
            mistakes.append(
                {
                    "answer": a.text,
                    "note": f"gift-{i}",
                    "feedback": _mistake_feedback(a.feedback),
                    **({"score": a.fraction} if a.fraction > 0 else {}),
                }
            )
        if mistakes:
            base["mistakes"] = mistakes
    elif q.kind in ("multichoice", "truefalse"):
        base |= {"type": "choice", "prompt": _prompt(q)}
        if q.kind == "truefalse":
            options = []
            for value in (True, False):
                option: dict[str, Any] = {"text": str(value), "correct": value == q.true_answer}
                said = next((a.feedback for a in q.answers if a.text == str(value) and a.feedback), "")
                if said:
                    option["feedback"] = said
                options.append(option)
            base |= {"options": options, "shuffle": False}
        else:
            positive = [a for a in q.answers if a.fraction > 0]
            # Moodle makes a choice holding a `=` answer single-answer, whatever the other
            # weights: a negative one there is a penalty for picking that wrong option.
            # Partial credit on another option is lost then (ours has one right option).
            full = [a for a in q.answers if a.fraction >= 1.0]
            single = any(a.marked for a in q.answers) and len(full) == 1
            multiple = not single and (len(positive) != 1 or any(a.fraction < 0 for a in q.answers))
            if not positive:
                lost.append("no option earns credit: skipped")
                return None
            options = []
            for a in q.answers:
                option = {"text": a.text or "(empty)"}
                if (a.fraction >= 1.0) if single else (a.fraction > 0):
                    option["correct"] = True
                if a.feedback:
                    option["feedback"] = a.feedback
                options.append(option)
            base["options"] = options
            if multiple:
                base["multiple"] = True
                k = len(positive)
                if any(abs(a.fraction - (1 / k if a.fraction > 0 else -1 / k)) > 1e-4 for a in q.answers):
                    lost.append("the options' weights (net scoring is used: (right − wrong) / right options)")
            elif any(0 < a.fraction < 1 for a in q.answers):
                lost.append("partial credit on a one-answer choice")
            for a in q.answers:
                if a.fraction < 0 and not multiple:
                    lost.append(f"the negative weight of option {a.text} (a wrong pick scores 0)")
    elif q.kind == "shortanswer":
        texts = [star_unescaped(a.text) for a in q.answers]
        if any(wildcard for _, wildcard in texts):
            lost.append("the `*` wildcard (matched as a literal star)")
        for a, (text, _) in zip(q.answers, texts, strict=True):
            a.text = text
        accept = [a.text for a in q.answers if a.fraction == 1.0]
        if not accept:
            lost.append("a short answer without a fully right answer: skipped")
            return None
        base |= {"type": "text", "prompt": _prompt(q), "accept": accept}
        mistakes = [
            {
                "answer": a.text,
                "note": f"gift-{i}",
                "feedback": _mistake_feedback(a.feedback),
                **({"score": max(a.fraction, 0.0)} if a.fraction > 0 else {}),
            }
            for i, a in enumerate((a for a in q.answers if a.fraction < 1.0), start=1)
        ]
        if mistakes:
            base["mistakes"] = mistakes
        right_feedback = [a.feedback for a in q.answers if a.fraction == 1.0 and a.feedback]
        if right_feedback:
            lost.append("feedback on a right answer")
    elif q.kind == "essay":
        model_answer = q.general_feedback or "(no model answer given)"
        base |= {
            "type": "free",
            "prompt": _prompt(q),
            "model_answer": model_answer,
            "rubric": ["Matches the model answer"],
        }
        lost.append("an essay gets a one-point rubric, 'Matches the model answer'")
        return base
    else:  # pragma: no cover - parse() knows no other kinds
        return None
    if q.general_feedback:
        base["solution"] = q.general_feedback
    if q.kind == "numerical":
        base["tests"] = [{"answer": base["answer"], "expect": "correct"}]
    return base


def to_yaml(bank: dict[str, Any]) -> str:
    """The bank as YAML that `tutor check` reads, with the schema comment the built-in banks have."""
    import yaml

    text = yaml.safe_dump(bank, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return "# yaml-language-server: $schema=../schemas/bank.schema.json\n" + text
