"""Turn pydantic validation errors into one actionable line per problem, with a position."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any, Union

from pydantic import BaseModel, Tag
from pydantic_core import ErrorDetails

from tutor.content.yamlsource import Path, Pos, SourceMap
from tutor.expr.suggest import closest, did_you_mean


def data_path(data: Any, loc: Sequence[str | int]) -> tuple[Path, str | None]:
    """Follow pydantic's `loc` through the data, dropping union tags.

    Returns the path of the deepest value that exists and, when the last element names a key
    that is absent (a missing field), that key.
    """
    path: list[str | int] = []
    node = data
    missing: str | None = None
    for i, el in enumerate(loc):
        in_dict = isinstance(node, dict) and el in node
        in_list = isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node)
        if in_dict or in_list:
            node = node[el]
            path.append(el)
        elif i == len(loc) - 1 and isinstance(el, str) and isinstance(node, dict):
            missing = el
    return tuple(path), missing


def _at(data: Any, path: Path) -> Any:
    for el in path:
        data = data[el]
    return data


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _tag_of(tp: Any) -> str | None:
    if typing.get_origin(tp) is typing.Annotated:
        for meta in tp.__metadata__:
            if isinstance(meta, Tag):
                return meta.tag
    return None


def _step(tp: Any, el: str | int) -> list[Any]:
    """The types reached from `tp` by one element of a pydantic `loc`."""
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        members = typing.get_args(tp)
        tagged = [m for m in members if _tag_of(m) == el]
        if tagged:
            return [_strip(tagged[0])]
        return [t for m in members for t in _step(m, el)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(el))
        return [field.annotation] if field is not None else []
    if origin is list and isinstance(el, int):
        return [typing.get_args(tp)[0]]
    if origin is tuple and isinstance(el, int):
        args = typing.get_args(tp)
        return [args[min(el, len(args) - 1)]] if args else []
    if origin is dict:
        return [typing.get_args(tp)[1]]
    return []


def _models(tp: Any) -> list[type[BaseModel]]:
    tp = _strip(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _models(a)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def fields_at(root: Any, loc: Sequence[str | int]) -> list[str]:
    """Field names valid in the mapping that `loc` (minus its last element) points into."""
    current: list[Any] = [root]
    for el in loc:
        nxt: list[Any] = []
        for tp in current:
            nxt.extend(_step(tp, el))
        if not nxt:
            break
        current = nxt
    names: list[str] = []
    for tp in current:
        for model in _models(tp):
            names.extend(n for n in model.model_fields if n not in names)
    return names


def _field_label(path: Path, base: int) -> str:
    out = ""
    for el in path[base:]:
        out += f"[{el}]" if isinstance(el, int) else (f".{el}" if out else str(el))
    return out


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _flow(value: Any) -> str:
    # How an item of a YAML list was most likely written.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float | str) else "…"


def _message(err: ErrorDetails, label: str, field: str | None, root: Any) -> str:
    kind = err["type"]
    msg = err["msg"]
    value = err.get("input")
    name = f"`{label}`" if label else "this value"
    if kind == "missing":
        return f"missing required field `{field}`"
    if kind == "extra_forbidden":
        unknown = str(err["loc"][-1])
        known = fields_at(root, err["loc"][:-1])
        hint = (
            did_you_mean(unknown, known)
            if closest(unknown, known)
            else (f" (known fields: {', '.join(known)})" if known else "")
        )
        return f"unknown field `{unknown}`{hint}"
    if kind == "string_type" and isinstance(value, bool):
        return (
            f"{name} should be text, but YAML read {_describe(value)}: "
            "yes/no/on/off/true/false are booleans in YAML, so put the text in quotes"
        )
    if kind == "string_pattern_mismatch":
        return f"{name} must be lower-case letters, digits, `-` and `_` (got {_describe(value)})"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "question_type":
        if isinstance(value, dict) and "type" not in value:
            return f"missing required field `type`: {msg.removeprefix('`type` must be ')}"
        got = value.get("type") if isinstance(value, dict) else None
        if got is None:
            return msg
        near = closest(str(got), msg.removeprefix("`type` must be one of ").split(", "))
        if near is not None:  # `numerical`: lead with the type meant
            return f"unknown question type {_describe(got)} (did you mean `{near}`?); {msg}"
        return f"{msg} (got {_describe(got)})"
    if kind == "string_type" and isinstance(value, list):
        items = ", ".join(_flow(v) for v in value)
        return (
            f'{name} should be text, but YAML read a list: to write a vector, put it in quotes: "[{items}]"'
        )
    if kind == "param_kind":
        return f"{name}: {msg}" if label else msg
    if kind == "too_short":
        return f"{name} {msg[0].lower()}{msg[1:]}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{name}: {msg[0].lower()}{msg[1:]}, got {_describe(value)}"
    return f"{name}: {msg[0].lower()}{msg[1:]}"


def translate(
    errors: Iterable[ErrorDetails],
    data: Any,
    smap: SourceMap,
    root_type: Any,
    prefix: Path = (),
) -> list[tuple[Pos, str, Path]]:
    """One (position, message, data path) per problem. `prefix` places `data` in the file."""
    grouped: dict[tuple[Path, str | None], list[ErrorDetails]] = {}
    for err in errors:
        path, missing = data_path(data, err["loc"])
        if err["type"] == "question_type":
            node = _at(data, path)
            if isinstance(node, dict) and "type" in node:
                path = (*path, "type")
        grouped.setdefault((path, missing), []).append(err)
    out: list[tuple[Pos, str, Path]] = _dedented(grouped, data, smap, prefix)
    _drop_misspelled_missing(grouped)
    for (path, missing), errs in grouped.items():
        full = (*prefix, *path)
        label = _field_label(path, 0)
        if len(errs) > 1 and missing is None and not any(e["type"] == "extra_forbidden" for e in errs):
            # Several errors at one value come from trying each member of a union.
            desc = _union_description(root_type, errs[0]["loc"])
            message = f"`{label}` is not valid" + (f": expected {desc}" if desc else "")
            out.append((smap.pos(full), message, full))
            continue
        for err in errs:
            if err["type"] == "extra_forbidden":
                key_path = (*full, str(err["loc"][-1])) if not path or path[-1] != err["loc"][-1] else full
                pos = smap.key_pos(key_path)
            elif err["type"] == "missing":
                pos = smap.key_pos(full) if full else smap.pos(full)
            else:
                pos = smap.pos(full)
            out.append((pos, _message(err, label, missing, root_type), full))
    return out


def _drop_misspelled_missing(grouped: dict[tuple[Path, str | None], list[ErrorDetails]]) -> None:
    """`sumary: …` makes two errors, a missing `summary` and an unknown `sumary`: the unknown
    field, with its "did you mean", says it all, so the missing one goes."""
    for path, missing in list(grouped):
        if missing is None or not all(e["type"] == "missing" for e in grouped[(path, missing)]):
            continue
        for (other, none), errs in grouped.items():
            if (
                none is None
                and len(other) == len(path) + 1
                and other[:-1] == path
                and any(e["type"] == "extra_forbidden" for e in errs)
                and closest(str(other[-1]), [missing]) is not None
            ):
                del grouped[(path, missing)]
                break


def _dedented(
    grouped: dict[tuple[Path, str | None], list[ErrorDetails]], data: Any, smap: SourceMap, prefix: Path
) -> list[tuple[Pos, str, Path]]:
    """A field indented one level too little leaves a list item: the item misses it and the
    mapping around the list has it as an unknown field. One message, at the line to indent.
    Removes the two errors it replaces from `grouped`."""
    out: list[tuple[Pos, str, Path]] = []
    for path, missing in list(grouped):
        if missing is None or len(path) < 2 or not isinstance(path[-1], int):
            continue
        outer, listed = path[:-2], path[-2]
        extra_key = (*outer, missing)
        extras = grouped.get((extra_key, None), [])
        if not any(e["type"] == "extra_forbidden" for e in extras):
            continue
        node = _at(data, path[:-1]) if path[:-1] else data
        if not isinstance(node, list) or path[-1] != len(node) - 1:
            continue  # only the last item of the list sits right above the dedented line
        del grouped[(path, missing)]
        grouped[(extra_key, None)] = [e for e in extras if e["type"] != "extra_forbidden"]
        if not grouped[(extra_key, None)]:
            del grouped[(extra_key, None)]
        full = (*prefix, *extra_key)
        item = f"{listed}[{path[-1]}]"
        out.append(
            (
                smap.key_pos(full),
                f"`{missing}` is indented as if it were a field here, but the list item above "
                f"(`{item}`) is missing it: indent this line to line up with that item's fields",
                full,
            )
        )
    return out


def _union_description(root: Any, loc: Sequence[str | int]) -> str | None:
    # The description of the field that holds the union, e.g. Domain's list of forms.
    current: list[Any] = [root]
    description: str | None = None
    for el in loc:
        nxt: list[Any] = []
        for tp in current:
            stripped = _strip(tp)
            if isinstance(stripped, type) and issubclass(stripped, BaseModel):
                field = stripped.model_fields.get(str(el))
                if field is not None and field.description:
                    description = field.description
            nxt.extend(_step(tp, el))
        if not nxt:
            break
        current = nxt
    for tp in current:
        if typing.get_origin(tp) is typing.Annotated:
            for meta in tp.__metadata__:
                desc = getattr(meta, "description", None)
                if desc:
                    return desc
    return description
