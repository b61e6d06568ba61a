"""Markdown that will not render as written: what `tutor check` warns about in a course's texts.

The app renders Markdown with markdown-it (Textual's and Rich's renderers): it has no LaTeX, it
shows an unclosed `**` as two asterisks, and it drops HTML tags (a block of HTML entirely).
Code spans and fenced code blocks are shown as typed, so nothing inside them is looked at.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(```|~~~).*?(^\1|\Z)", re.MULTILINE | re.DOTALL)
_LATEX_COMMAND = re.compile(
    r"\\(?:frac|dfrac|sqrt|sum|prod|int|lim|log|ln|exp|sin|cos|tan|cdot|times|div|pm|le|leq|ge|geq|"
    r"neq|approx|infty|partial|nabla|alpha|beta|gamma|delta|epsilon|varepsilon|theta|lambda|mu|"
    r"sigma|tau|phi|varphi|psi|omega|pi|Delta|Sigma|Omega|bar|hat|tilde|vec|mathbf|mathrm|"
    r"mathcal|mathbb|text|left|right|begin|end|operatorname)(?![A-Za-z])"
)
# `$x^2$`, `$$…$$`: dollar-delimited math with a LaTeX-only character inside (prices are not)
_DOLLAR_MATH = re.compile(r"\$\$|\$[^$\n]*[\\^_{}][^$\n]*\$")
# The tags authors reach for; `<y and z>` in a formula is not one of them.
_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|center|code|del|details|div|em|font|h[1-6]|hr|i|img|ins|"
    r"kbd|li|mark|ol|p|pre|s|small|span|strike|strong|sub|summary|sup|table|tbody|td|th|thead|"
    r"tr|u|ul)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_STRONG = re.compile(r"(?<!\*)\*\*(?!\*)")

LATEX = (
    "LaTeX is not rendered: `{found}` shows as typed; write the formula in plain text or Unicode "
    "(x², √x, ½, Σ, σ, ≤), or as a lesson section's `formulas:` entry, which the app pretty-prints"
)
STRONG = "`**` is never closed: the learner sees two asterisks (close it: **like this**)"
HTML = (
    "HTML is not rendered: the app drops `{found}` (and a block of HTML entirely); "
    "use Markdown (**bold**, *italic*, `code`)"
)


def _masked(text: str) -> str:
    """`text` with code blocks and spans blanked out, keeping every offset."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    text = _FENCE.sub(blank, text)
    # A code span runs from a run of backticks to the next run of the same length; one that
    # finds none is literal. Found by walking the runs once (a regex would be quadratic).
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    later: dict[int, list[int]] = {}
    for k in range(len(runs) - 1, -1, -1):
        later.setdefault(runs[k][1] - runs[k][0], []).append(k)
    chars = list(text)
    k = 0
    while k < len(runs):
        start, end = runs[k]
        same = later[end - start]
        while same and same[-1] <= k:
            same.pop()
        if not same:
            k += 1
            continue
        close = same.pop()
        for i in range(start, runs[close][1]):
            if chars[i] != "\n":
                chars[i] = " "
        k = close + 1
    return "".join(chars)


def problems(text: str) -> list[tuple[int, str]]:
    """(offset in `text`, message) for each kind of Markdown in `text` that will not render as
    written: the first instance of each, since one message per cause is enough."""
    masked = _masked(text)
    out: list[tuple[int, str]] = []
    latex = _LATEX_COMMAND.search(masked) or _DOLLAR_MATH.search(masked)
    if latex is not None:
        out.append((latex.start(), LATEX.format(found=latex.group())))
    offset = 0
    for paragraph in re.split(r"(\n\s*\n)", masked):
        opener = _unclosed_strong(paragraph)
        if opener is not None:
            out.append((offset + opener, STRONG))
            break
        offset += len(paragraph)
    tag = _TAG.search(masked)
    if tag is not None:
        out.append((tag.start(), HTML.format(found=tag.group())))
    return out


def _unclosed_strong(paragraph: str) -> int | None:
    """Where an opening `**` is left unclosed in one paragraph, or None. As in CommonMark, a
    `**` opens when a non-space follows it and closes when a non-space precedes it; one between
    two letters or digits (`2**n`) or between two spaces (`a ** b`) is not emphasis."""
    opened: int | None = None
    for match in _STRONG.finditer(paragraph):
        i = match.start()
        before = paragraph[i - 1] if i > 0 else " "
        after = paragraph[i + 2] if i + 2 < len(paragraph) else " "
        if before.isalnum() and after.isalnum():
            continue
        can_close = not before.isspace()
        can_open = not after.isspace()
        if opened is not None and can_close:
            opened = None
        elif can_open:
            opened = i
    return opened
