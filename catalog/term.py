"""Untrusted text on the console: the one escape for Rich markup.

Rich reads `[...]` in every string it prints (a table cell, a title, a message) as markup, so a
catalog value, a file name or a results path holding `[/x]` either restyles the output or
stops the command with a `MarkupError`. Every value that did not come from our own code goes
through `esc` before it is put into a string Rich will print: it comes out literally, and
terminal control characters (ESC sequences, carriage returns, bidi overrides) come out as
visible escapes instead of acting on the terminal.
"""

from __future__ import annotations

import re
from typing import Any

# C0/C1 controls but tab and newline, DEL, bidi embeddings/overrides/isolates, line and paragraph
# separators: shown as \\xNN / \\uNNNN.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(value: Any) -> str:
    """`value` as text whose control characters are shown, not obeyed (no markup escaping)."""
    text = value if isinstance(value, str) else str(value)
    return _CONTROL.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                   else f"\\u{ord(m.group()):04x}"), text)


def esc(value: Any) -> str:
    """`value` as literal text inside Rich markup (and with control characters visible)."""
    from rich.markup import escape  # here: `bench --help` does not import rich

    return escape(visible(value))
