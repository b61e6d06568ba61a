"""A lesson section's Markdown as a single widget.

Textual's `Markdown` mounts a widget for every paragraph, list item and table cell, and styles
each of them (plus four virtual nodes per block for its inline styles): about 140 widgets for a
lesson, which was most of the time it took to open one and much of the app's memory. Rich renders
the same Markdown as one renderable, so a section is one widget. Its colours come from the app's
theme (the same `$markdown-*` variables Textual's own Markdown uses), so it follows a theme
change.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.theme import Theme
from textual.color import Color
from textual.widgets import Static

# Rich's style name → (colour variable, text-style variable) of the Textual theme
_HEADINGS = {
    f"markdown.h{level}": (f"markdown-h{level}-color", f"markdown-h{level}-text-style")
    for level in range(1, 7)
}


def markdown_theme(variables: dict[str, str]) -> Theme:
    """A Rich theme for Markdown from the Textual theme's CSS variables."""

    background = _colour(variables.get("background", ""), None) or Color(0, 0, 0)

    def colour(name: str) -> str:
        found = _colour(variables.get(name, ""), background)
        return found.hex6 if found is not None else ""

    def style(*parts: str) -> str:
        words = " ".join(p for p in parts if p and p != "none")
        return words or "none"

    styles: dict[str, str] = {}
    for name, (colour_name, text_style) in _HEADINGS.items():
        words = [w for w in variables.get(text_style, "bold").split() if w in _TEXT_STYLES]
        styles[name] = style(colour(colour_name), *words)
    primary, accent = colour("primary"), colour("accent")
    styles.update(
        {
            "markdown.h1.border": style(primary),
            "markdown.code": style("bold", accent),
            "markdown.code_block": style(accent),
            "markdown.block_quote": style("italic", colour("text-muted")),
            "markdown.item.bullet": style("bold", primary),
            "markdown.item.number": style(primary),
            "markdown.list": "none",
            "markdown.link": style("underline", primary),
            "markdown.table.border": style(primary),
            "markdown.table.header": style("bold", primary),
        }
    )
    return Theme(styles, inherit=True)


_TEXT_STYLES = {"bold", "dim", "italic", "underline", "strike", "reverse"}


def _colour(value: str, background: Color | None) -> Color | None:
    """A theme variable's colour as an opaque colour (blended over `background`), or None when
    it is not a plain colour (`auto 60%`, say)."""
    try:
        found = Color.parse(value.strip())
    except Exception:  # a variable that is not a colour: leave Rich's default
        return None
    if found.a < 1 and background is not None:
        found = background.blend(found.with_alpha(1), found.a)
    return found


class _Themed:
    """Renders `renderable` with `theme` pushed on the console (only for this renderable).

    What it rendered is kept per width: Textual renders a widget once to learn its height and
    again to draw it, and again on each layout (a lesson lays out several times as it opens)."""

    def __init__(self, renderable: Any, theme: Theme) -> None:
        self.renderable = renderable
        self.theme = theme
        self._lines: dict[tuple[object, ...], list[Segment]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (
            options.max_width, options.height, options.justify, options.overflow, options.no_wrap,
            options.highlight, options.markup, options.legacy_windows, console.color_system,
        )  # fmt: skip
        lines = self._lines.get(key)
        if lines is None:
            with console.use_theme(self.theme):
                # render inside the `with`: the segments take their styles from the theme
                lines = list(console.render(self.renderable, options))
            if len(self._lines) >= 4:  # a few widths (resizes) at most
                self._lines.clear()
            self._lines[key] = lines
        yield from lines


class LessonText(Static):
    """Markdown text of a lesson, drawn by Rich in one widget. `source` is the Markdown."""

    DEFAULT_CSS = """
    LessonText {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, source: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self._drawn: tuple[object, _Themed] | None = None  # (theme it is for, renderable)

    def render(self) -> Any:
        # Parse the Markdown once per theme rather than on every render.
        app = self.app
        theme_now = (app.theme, id(app.current_theme), app.ansi_color)
        if self._drawn is None or self._drawn[0] != theme_now:
            variables = tuple(sorted(app.get_css_variables().items()))
            markdown = RichMarkdown(self.source, hyperlinks=False, code_theme="ansi_dark")
            self._drawn = (theme_now, _Themed(markdown, _theme_for(variables)))
        return self._drawn[1]


@lru_cache(maxsize=8)
def _theme_for(variables: tuple[tuple[str, str], ...]) -> Theme:
    return markdown_theme(dict(variables))
