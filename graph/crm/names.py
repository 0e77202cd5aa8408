"""Full names of people: given name first ("Ada Lovelace"), or family name first for CJK names ("张伟").

One definition for display (`fullName`), sorting and search: contacts store the result in `full_name`
(sorted by it, searched through `search_text`); leads show it. A name written in Chinese, Japanese or
Korean script puts the family name first with no space between the parts; a contact's explicit
`name_order` overrides the guess (a Western name written family-first, or a CJK name given-first).
Pure functions, no I/O: migrations use them too.
"""

from __future__ import annotations

GIVEN_FIRST = "given_first"
FAMILY_FIRST = "family_first"
NAME_ORDERS = (GIVEN_FIRST, FAMILY_FIRST)

# Kana, CJK ideographs (extension A, the unified block, compatibility ideographs), Hangul syllables.
CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xAC00, 0xD7AF))


def is_cjk(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in CJK_RANGES)


def full_name(given: str | None, family: str | None, order: str | None = None) -> str:
    """The name as people write it: CJK family-first without a space unless `order` says otherwise."""
    parts = [part.strip() for part in (given, family) if part and part.strip()]
    cjk = any(is_cjk(part) for part in parts)
    family_first = order == FAMILY_FIRST or (order is None and cjk)
    if family_first:
        parts = [part.strip() for part in (family, given) if part and part.strip()]
    return ("" if cjk else " ").join(parts)
