"""User-defined patterns (custom text fields) on RE2: linear time, so no input can stall the server.

Python's `re` backtracks: `(a+)+b` against 30 `a`s and a `c` takes minutes on the event loop, for every
tenant of the process. RE2 answers any pattern in time linear in the value, and refuses what it cannot
do that way (backreferences, lookarounds), so a pattern is checked with RE2 when it is defined and only
ever runs on RE2. Patterns are at most `MAX_PATTERN_LENGTH` characters and RE2's compiled program is
capped at `MAX_PROGRAM_BYTES` (so `(a{1000}){1000}` is refused instead of compiling a huge automaton);
values are bounded by the field's maximum length (`kinds.MAX_LENGTH_LIMIT`).
"""

from __future__ import annotations

import functools
from typing import Any

import re2

MAX_PATTERN_LENGTH = 200
MAX_PROGRAM_BYTES = 1 << 20


class PatternError(ValueError):
    """RE2 cannot compile the pattern (syntax it does not support, or too large a program)."""


def options() -> re2.Options:
    chosen = re2.Options()
    chosen.log_errors = False  # a refused pattern is the caller's error, not a log line
    chosen.max_mem = MAX_PROGRAM_BYTES
    return chosen


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; `PatternError` names why RE2 refuses it."""
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"Give a pattern of 1-{MAX_PATTERN_LENGTH} characters.")
    try:
        return re2.compile(pattern, options())
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise PatternError(
            f"Not a pattern the server can run ({reason}); use RE2 syntax without backreferences "
            "or lookarounds, see github.com/google/re2/wiki/Syntax."
        ) from None


def full_match(pattern: str, value: str) -> bool:
    return compile_pattern(pattern).fullmatch(value) is not None
