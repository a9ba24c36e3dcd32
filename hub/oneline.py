"""Text from outside (a remote server's reason phrase, an error message) made safe for one terminal line.

Control characters (ESC sequences can rewrite an operator's terminal, set its title or hide text), Unicode
format characters (bidirectional overrides reorder what is shown) and line breaks are removed or turned into
spaces before such text is stored or printed; the CLI promises one line per event.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)")


def one_line(text: str, limit: int = 2000) -> str:
    """`text` without escape sequences, control or format characters, on one line, at most `limit` long."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    cleaned = "".join(
        " " if char.isspace() else char
        for char in text
        if unicodedata.category(char) not in ("Cc", "Cf") or char.isspace()
    )
    line = " ".join(cleaned.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
