"""Read YAML safely into plain Python values while remembering where every value came from.

PyYAML's composer gives us nodes with line/column marks; we build the Python values ourselves
so that we can (a) record a position for every path, (b) refuse duplicate keys, which PyYAML
accepts silently, (c) refuse tags outside the YAML core schema, and (d) stop alias bombs,
because a composed alias is a shared node that only multiplies when it is expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tutor.content.printable import printable

Path = tuple[str | int, ...]

# Expanding aliases past this many values is refused: no course file needs more.
MAX_VALUES = 50_000
MAX_DEPTH = 100

_STR_TAG = "tag:yaml.org,2002:str"
_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


@dataclass(frozen=True)
class Pos:
    """1-based line and column, as editors show them."""

    line: int
    col: int


@dataclass
class Span:
    key: Pos | None  # where the key is, for values inside a mapping
    value: Pos  # where the value starts
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    raw_line: int = 0  # 0-based line of the value, to find text inside block scalars
    text: str | None = None  # the string value, to place offsets inside block scalars


@dataclass
class SourceMap:
    """Positions of every value in one YAML document, by path (keys and list indices)."""

    lines: list[str]
    spans: dict[Path, Span] = field(default_factory=dict)

    def pos(self, path: Path) -> Pos:
        """Where the value at `path` starts, or the nearest enclosing value that exists."""
        for n in range(len(path), -1, -1):
            span = self.spans.get(tuple(path[:n]))
            if span is not None:
                return span.value
        return Pos(1, 1)

    def key_pos(self, path: Path) -> Pos:
        """Where the key of the value at `path` is (falls back to the value)."""
        span = self.spans.get(tuple(path))
        if span is not None and span.key is not None:
            return span.key
        return self.pos(path)

    def text_pos(self, path: Path, offset: int) -> Pos:
        """Position of character `offset` inside the string value at `path`.

        Exact for plain, quoted (without escapes before `offset`) and literal (`|`) scalars;
        for folded scalars it falls back to where the value starts.
        """
        span = self.spans.get(tuple(path))
        if span is None:
            return self.pos(path)
        if span.style in (None, "'", '"'):
            shift = 0 if span.style is None else 1
            return Pos(span.value.line, span.value.col + shift + offset)
        if span.style == "|":
            # The value text starts on the line after the `|` indicator, at the block's indent.
            first = span.raw_line + 1
            before = span.text or ""
            line_in_block = before[:offset].count("\n")
            col_in_line = offset - (before.rfind("\n", 0, offset) + 1)
            lineno = first + line_in_block
            indent = _indent_of(self.lines, first)
            return Pos(lineno + 1, indent + col_in_line + 1)
        return span.value


def _indent_of(lines: list[str], lineno: int) -> int:
    while lineno < len(lines) and not lines[lineno].strip():
        lineno += 1
    if lineno >= len(lines):
        return 0
    line = lines[lineno]
    return len(line) - len(line.lstrip(" "))


class YamlError(Exception):
    """A problem reading the YAML text itself, with a 1-based position."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


_TAB_INDENT = re.compile(r"^[ ]*\t")


def load_yaml(text: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into Python values plus a `SourceMap`.

    Raises `YamlError` naming the first problem; loading never runs code or builds objects
    other than dicts, lists, strings, numbers, booleans and None.
    """
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _TAB_INDENT.match(line):
            col = line.index("\t") + 1
            raise YamlError("tab character in indentation: YAML indents with spaces only", Pos(i + 1, col))
    node = _compose_fast(text)
    if node is _FAILED:
        node = _compose_worded(text, lines)
    smap = SourceMap(lines)
    if node is None:
        return None, smap
    builder = _Builder(smap)
    try:
        return builder.build(node, (), None, 0), smap
    except YamlError as exc:
        raise _braces_first(lines, exc) from None


# libyaml (PyYAML's C extension) composes about 5x faster than the pure-Python loader and
# gives the same nodes and marks; where it is missing, or refuses the text, the pure-Python
# loader composes again, so every error is worded (and positioned) the one way.
_CLoader: Any = getattr(yaml, "CSafeLoader", None)
_FAILED = object()


def _compose_fast(text: str) -> Any:
    if _CLoader is None:
        return _FAILED
    try:
        return yaml.compose(text, Loader=_CLoader)
    except (yaml.YAMLError, RecursionError, UnicodeError, ValueError):  # a lone surrogate, say
        return _FAILED


def _compose_worded(text: str, lines: list[str]) -> Any:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _braces_first(lines, _dedented_key(lines, exc, _from_marked(exc))) from None
    except RecursionError:
        # PyYAML composes recursively: `[[[…]]]` a few thousand deep overflows the stack
        # before our own depth limit can see it. Its scanner is iterative: find the spot.
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", _too_deep(text)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks almost everything
        raise YamlError(str(exc), Pos(1, 1)) from None


# `{{name}}` where YAML expected a key: `{answer: {{answer}}}`.
_PLACEHOLDER_AT = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*(?::[^}]*)?\}\}")

# `key: {{p}} is ...` or `- {{p}}`: an unquoted value that starts with a placeholder.
_BRACES_FIRST = re.compile(r"^(\s*(?:-\s+)?(?:[A-Za-z_][\w-]*\s*:\s+|-\s+))\{\{")


def _braces_first(lines: list[str], error: YamlError) -> YamlError:
    """YAML reads `{{p}} ...` as a mapping and then fails somewhere odd; say what happened, at the
    brace, when a line at or just above the error starts its value with `{{`."""
    last = min(error.pos.line, len(lines))
    for i in range(last - 1, max(-1, last - 4), -1):
        match = _BRACES_FIRST.match(lines[i])
        if match:
            return YamlError(
                "a value starting with `{{` is read as a YAML mapping, not as text: "
                'put the whole value in quotes, as in `prompt: "{{p}} is ..."`',
                Pos(i + 1, len(match.group(1)) + 1),
            )
    return error


# `feedback: text` whose value has a plain (unquoted, inline) start.
_PLAIN_KEY = re.compile(r"^(\s*(?:-\s+)?)[A-Za-z_][\w-]*\s*:\s+[^\s|>'\"#]")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedented_key(lines: list[str], exc: yaml.MarkedYAMLError, error: YamlError) -> YamlError:
    """A key indented too little, whose value is plain text, takes the deeper lines below it as
    more of its text, and YAML fails at the first of those with a `:` in it, up to a few lines
    late: point at the key, the line to edit."""
    if not (exc.problem or "").startswith("mapping values are not allowed"):
        return error
    at = error.pos.line - 1
    if not 0 <= at < len(lines):
        return error
    deep = _indent(lines[at])
    if not lines[at].lstrip().startswith("- "):
        return error  # a `: ` inside multi-line text, most likely: the line to edit is that one
    for k in range(at - 1, max(-1, at - 5), -1):
        line = lines[k]
        if not line.strip():
            continue
        if _indent(line) >= deep:
            continue  # another continuation line
        if _PLAIN_KEY.match(line):
            return YamlError(
                "bad indentation: the lines below this one are indented deeper than it, so YAML "
                "reads them as more of its text; line it up with the keys around it",
                Pos(k + 1, _indent(line) + 1),
            )
        break
    return error


def _too_deep(text: str) -> Pos:
    """Where collections first nest deeper than MAX_DEPTH, by the (iterative) token scanner."""
    depth = 0
    opens = (
        yaml.FlowSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.BlockMappingStartToken,
    )
    closes = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, opens):
                depth += 1
                if depth > MAX_DEPTH:
                    return Pos(token.start_mark.line + 1, token.start_mark.column + 1)
            elif isinstance(token, closes):
                depth -= 1
    except yaml.YAMLError:
        pass
    return Pos(1, 1)


def _from_marked(exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    if "found character '\\t'" in problem:
        return YamlError("tab character: YAML indents with spaces only", pos)
    if problem.startswith("mapping values are not allowed"):
        message = "unexpected `:`: check the indentation, or quote a value that contains `: `"
    elif "expected <block end>" in problem or "did not find expected key" in problem:
        message = "bad indentation: this line does not line up with the keys above it"
    elif "did not find expected '-' indicator" in problem:
        message = "bad indentation in a list: every item starts with `- ` at the same column"
    elif context.startswith("while scanning a block scalar"):
        message = "a value starting with `|` or `>` is read as a block of text: quote the value"
    elif context.startswith("while scanning an alias") or context.startswith("while scanning an anchor"):
        message = "a value that starts with `*` or `&` is read as an alias: put the value in quotes"
    elif "found undefined alias" in problem:
        message = f"{problem}: define the anchor (`&name`) before using it"
    elif context.startswith("while parsing a flow") and problem.startswith("expected ','"):
        # `answer: [P[0], P[1]]`: YAML reads the brackets as a list of its own.
        message = (
            "a value starting with `[` or `{` is read as a YAML list or mapping, and this one does "
            "not close where YAML expects: put a formula with brackets in quotes, "
            'as in `answer: "[P[0], P[1]]"`'
        )
    elif "found unexpected end of stream" in problem or "found unexpected end" in problem:
        message = f"unterminated value ({context or problem})"
    else:
        message = f"{context}: {problem}" if context else problem or str(exc)
    return YamlError(message, pos)


class _Builder:
    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.count = 0
        self.seen: set[int] = set()  # the nodes built: one built again came through an alias
        self.aliased = False
        self.constructor = yaml.constructor.SafeConstructor()

    def _key_problem(self, key_node: Node) -> str:
        """Why a key is not a plain word: most often an unquoted `{{name}}` inside `{…}`, which
        YAML reads as a mapping within a mapping."""
        line = (
            self.smap.lines[key_node.start_mark.line]
            if key_node.start_mark.line < len(self.smap.lines)
            else ""
        )
        col = key_node.start_mark.column
        found = _PLACEHOLDER_AT.match(line, max(0, col - 1)) or _PLACEHOLDER_AT.match(line, col)
        if found:
            return (
                f"`{found.group(0)}` is read as a YAML mapping, not as text: put it in quotes, "
                f'as in `"{found.group(0)}"`'
            )
        return "a key must be a plain word, not a list or mapping"

    def _pos(self, node: Node) -> Pos:
        return Pos(node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, path: Path, key_pos: Pos | None, depth: int) -> Any:
        self.count += 1
        if id(node) in self.seen:
            self.aliased = True
        else:
            self.seen.add(id(node))
        if self.count > MAX_VALUES:
            why = "aliases (`*name`) repeat too much of it" if self.aliased else "split it into several files"
            raise YamlError(
                f"the document holds more than {MAX_VALUES:,} values, the most one file may hold: {why}",
                self._pos(node),
            )
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", self._pos(node))
        # libyaml marks a plain scalar's style '' where the pure-Python loader says None.
        style = (node.style or None) if isinstance(node, ScalarNode) else None
        span = Span(key_pos, self._pos(node), style, node.start_mark.line)
        self.smap.spans[path] = span
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            if isinstance(value, str):
                span.text = value
            return value
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise YamlError(f"unsupported YAML tag `{node.tag}`", self._pos(node))
            return [self.build(item, (*path, i), None, depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        raise YamlError("unsupported YAML node", self._pos(node))  # pragma: no cover

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag == _STR_TAG:
            # What the constructor gives for a string, without its dispatch; a `"\e[5m"` escape
            # in a course file must not reach the learner's terminal (the app's or plain mode's).
            return printable(node.value)
        if node.tag not in _CORE_TAGS:
            raise YamlError(
                f"unsupported YAML tag `{node.tag}`: only plain values are allowed", self._pos(node)
            )
        try:
            return self.constructor.construct_object(node)
        except ValueError as exc:  # an integer of more than 4,300 digits, say
            raise YamlError(f"this value cannot be read: {exc}", self._pos(node)) from None

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            raise YamlError(f"unsupported YAML tag `{node.tag}`", self._pos(node))
        result: dict[Any, Any] = {}
        seen: dict[Any, Pos] = {}
        merged: list[tuple[Any, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self._merge_sources(value_node, path, depth))
                continue
            if not isinstance(key_node, ScalarNode):
                raise YamlError(self._key_problem(key_node), self._pos(key_node))
            key = self._scalar(key_node)
            kpos = self._pos(key_node)
            if key in seen:
                first = seen[key]
                raise YamlError(
                    f"duplicate key `{key}` (first defined at line {first.line}); "
                    "YAML would silently keep only the last one",
                    kpos,
                )
            seen[key] = kpos
            result[key] = self.build(value_node, (*path, key), kpos, depth + 1)
        # Merged keys (`<<: *anchor`) fill in only what the mapping does not set itself.
        for key, value in merged:
            result.setdefault(key, value)
        return result

    def _merge_sources(self, node: Node, path: Path, depth: int) -> list[tuple[Any, Any]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[Any, Any]] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                raise YamlError("`<<` merges only mappings", self._pos(source))
            value = self._mapping(source, path, depth + 1)
            pairs.extend(value.items())
        return pairs
