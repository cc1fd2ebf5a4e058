"""Ids as a scenario writes them: ids that print alike are the same id, or refused.

An id (``L1``, ``station-01``, ``站点``) is normalised to Unicode NFC, so that ``é`` typed
as one character or as ``e`` and a combining accent is one id; an id holding an invisible
character (a zero-width joiner, a bidirectional control, a variation selector, a Hangul
filler) is refused, naming the character by its code point, because ``L1`` and ``L\\u200d1``
would print alike and be two ids. References to ids (``severity = "L1"``, the keys of
``severity_mix``) are normalised the same way.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import BeforeValidator, Field

# Characters that show nothing although ``\w`` matches them (default-ignorable code points
# outside category Cf, which is refused whole): combining grapheme joiner, Hangul fillers,
# Khmer inherent vowels, Mongolian and other variation selectors.
_INVISIBLE_LETTERS = frozenset(
    [
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)


def invisible(char: str) -> str | None:
    """Why ``char`` cannot be in an id, if it is invisible; else ``None``."""
    category = unicodedata.category(char)
    if category == "Cf":
        return "an invisible format character"
    if category == "Cc":
        return "a control character"
    if ord(char) in _INVISIBLE_LETTERS:
        return "an invisible character"
    return None


def clean_id(value: object) -> object:
    """An id in NFC, so that ids that print alike are equal; invisible characters refused."""
    if not isinstance(value, str) or (value.isascii() and value.isprintable()):
        return value
    for char in value:
        why = invisible(char)
        if why is not None:
            name = unicodedata.name(char, "")
            code = f"U+{ord(char):04X}" + (f" {name}" if name else "")
            raise ValueError(
                f"{show_id(value)} holds {code}, {why}: two ids that print alike must be"
                " equal; an id holds visible letters, digits, '_' and '-' only"
            )
    return unicodedata.normalize("NFC", value)


def show_id(value: str) -> str:
    text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


def distinct_keys(value: object) -> object:
    """Refuse a table whose keys differ only in their Unicode form (they would merge)."""
    if isinstance(value, dict):
        seen: dict[str, object] = {}
        for key in value:
            if isinstance(key, str):
                form = unicodedata.normalize("NFC", key)
                if form in seen and seen[form] != key:
                    raise ValueError(
                        f"the keys {show_id(str(seen[form]))} and {show_id(key)} are the same id"
                        " written in two Unicode forms; write it once"
                    )
                seen[form] = key
    return value


def clean_sites(value: object) -> object:
    """``sites`` of an inspection: a zone or ``"all"``, or a list of site ids."""
    if isinstance(value, list):
        return [clean_id(item) for item in value]
    return clean_id(value)


Id = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^\w[\w\-]*$"),
    BeforeValidator(clean_id),  # after the constraints: it runs first, they keep their messages
]
"""An id: letters (of any script), digits, ``_`` and ``-``, in NFC; no invisible characters.
It never names a file or command."""
IdRef = Annotated[str, BeforeValidator(clean_id)]
"""A reference to an id, normalised as ids are (it must match one to be valid)."""
