"""The words of a verdict, shared by the app's feedback panel and the plain mode."""

from __future__ import annotations

import re
import textwrap

from tutor.content.words import points
from tutor.grading.result import Result

# **bold**, *italic* and `code` as authors write them in prompts and feedback; a `*` between
# operands (2*(y - ŷ)*x) is multiplication and stays. Groups: bold, italic, code.
INLINE_MARKS = re.compile(
    r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<![\w)\]])\*(?=\S)(.+?)(?<=\S)\*(?![\w(\[])|`([^`]+)`"
)
_BLOCK_START = re.compile(r"^\s*(?:[-*+] |\d+[.)] |#|\||>)")


def strip_marks(text: str, code: bool = True) -> str:
    """`text` without its inline Markdown marks: what a screen reader or a pipe should get.
    With `code=False` the backticks stay: in a verdict they quote what the learner typed."""

    def plain(match: re.Match[str]) -> str:
        bold, italic, quoted = match.groups()
        if quoted is not None:
            return quoted if code else match.group(0)
        return bold if bold is not None else italic

    return INLINE_MARKS.sub(plain, text)


def plain_markdown(text: str, width: int = 80) -> str:
    """A prompt, hint or solution written in Markdown, as plain lines of at most `width` columns:
    paragraphs reflowed (an author's line breaks inside a paragraph are not the reader's), list
    items with a hanging indent, code blocks and tables kept as written, inline marks dropped."""
    out: list[str] = []
    paragraph: list[str] = []
    indent = ""
    fenced = False

    def flush() -> None:
        nonlocal paragraph, indent
        if paragraph:
            joined = strip_marks(" ".join(line.strip() for line in paragraph))
            hang = " " * len(indent)
            out.extend(
                textwrap.wrap(
                    joined,
                    max(20, width),
                    initial_indent=indent if indent.strip() else hang,
                    subsequent_indent=hang,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
                or [""]
            )
        paragraph, indent = [], ""

    for line in text.strip("\n").split("\n"):
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
            continue
        if fenced or (line.startswith("    ") and not paragraph) or line.lstrip().startswith("|"):
            flush()
            out.append(line.rstrip())
            continue
        if not line.strip():
            flush()
            out.append("")
            continue
        if _BLOCK_START.match(line):
            flush()
            item = re.match(r"^(\s*(?:[-*+]|\d+[.)])\s+)", line)
            if item:
                indent = item.group(1)
                paragraph = [line[len(indent) :]]
                continue
            if line.lstrip().startswith("#"):
                out.append(strip_marks(line.lstrip("# ").rstrip()))
                continue
        paragraph.append(line)
    flush()
    return "\n".join(out).strip("\n")


def feedback_text(
    result: Result,
    earned: float | None,
    answer: str | None = None,
    show_reading: bool = True,
    kept: float | None = None,
) -> str:
    """The panel's text, also used by the plain mode so both say the same thing.

    `earned` is what this try earns; `kept`, the question's best so far, when an earlier try
    earned more (a practice try after a right answer takes nothing away)."""
    lines = [result.label]
    if not result.counts_as_attempt:
        lines[0] += " (this try does not count)"
    elif earned is not None and kept is not None and kept > earned:
        lines[0] += (
            f" · this try earns {points(earned)}; the question keeps {points(kept)} from an earlier try"
        )
    elif earned is not None:
        lines[0] += f" · this question earns {points(earned)}"
        if earned < result.score:
            spent = "hints, earlier tries or the solution cost the rest"
            lines[0] += f" (the answer is worth {points(result.score)}; {spent})"
    if result.rule:
        lines[0] += f" · {result.rule}" if result.verdict == "correct" else f" · needed: {result.rule}"
    if result.read_as and show_reading:
        lines.append(f"read as: {result.read_as}")
    for text in result.feedback:
        lines.append(f"• {text}")
    if result.verdict == "invalid" and result.position is not None and answer and "\n" not in answer:
        lines.append(f"  {answer}")
        lines.append("  " + " " * result.position + "^")
    # each part's words are in the feedback above already ("Step 2: …"): just the verdicts
    for i, part in enumerate(result.parts, start=1):
        lines.append(f"  {i}. {part.label}")
    return "\n".join(lines)
