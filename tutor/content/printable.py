"""Text read from files, made safe to show on a terminal: the one place that does it.

A course file, an export's `notes`, a progress database or an LRS's answer can hold control
characters: `\\x1b[5m` makes a terminal blink, `\\x1b]0;…\\x07` retitles its window, a carriage
return or a bidirectional override hides what is written. Whatever tutor prints goes through
`printable` (the command line's `echo`, its error messages, the class report's tables)."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, the C1 controls, and the bidirectional embeddings,
# overrides and isolates ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SHOWN = "\ufffd"  # what stands in for one: visible, so nothing is hidden either


def printable(text: str) -> str:
    """`text` with every control character that a terminal acts on shown as `�`; tabs and
    newlines stay."""
    return _CONTROL.sub(SHOWN, text)
