"""PowerShell's wildcard patterns, as the cmdlets' name filters apply them.

The rules of ``System.Management.Automation.WildcardPattern`` (PowerShell/PowerShell,
``src/System.Management.Automation/engine/regex.cs``):
- ``*`` matches any run of characters, ``?`` any one character;
- ``[...]`` matches one character of the set; ``a-z`` inside it is a range (a range whose ends
  are reversed is an invalid pattern); there is no negation and no nesting; an unclosed ``[``
  makes the pattern invalid;
- the backtick escapes the next character, which then matches itself; a trailing backtick is
  a literal backtick (a pattern of one backtick alone matches the empty string);
- ``WildcardPattern.Escape`` puts a backtick before ``*``, ``?``, ``[``, ``]`` and the backtick;
- ``ContainsWildcardCharacters`` is true when an unescaped ``*``, ``?``, ``[`` or ``]`` occurs.
Hyper-V and NetAdapter cmdlets match names ignoring case.
"""

from __future__ import annotations

import functools
import re

ESCAPE = "`"
_SPECIAL = "*?[]"


class InvalidPattern(ValueError):
    """The pattern cannot be parsed (PowerShell: WildcardPatternException, WildcardPattern_Invalid)."""

    def __init__(self, pattern: str) -> None:
        super().__init__("The specified wildcard character pattern is not valid: %s" % pattern)
        self.pattern = pattern


def escape(text: str) -> str:
    """``[WildcardPattern]::Escape(text)``: the pattern that matches ``text`` and nothing else."""
    return "".join(ESCAPE + char if char in _SPECIAL or char == ESCAPE else char for char in text)


def contains_wildcard(pattern: str) -> bool:
    """``[WildcardPattern]::ContainsWildcardCharacters(pattern)``."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char in _SPECIAL:
            return True
        index += 2 if char == ESCAPE else 1
    return False


def _bracket(contents: list[tuple[str, bool]], pattern: str) -> str:
    """A bracket expression's characters (each with "is an unescaped -") as a regex class."""
    parts = []
    index = 0
    while index < len(contents):
        if index + 2 < len(contents) and contents[index + 1][1]:
            low, high = contents[index][0], contents[index + 2][0]
            if low > high:
                raise InvalidPattern(pattern)
            parts.append("%s-%s" % (re.escape(low), re.escape(high)))
            index += 3
        else:
            parts.append(re.escape(contents[index][0]))
            index += 1
    return "[%s]" % "".join(parts)


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str, ignore_case: bool = True) -> "re.Pattern[str]":
    """The pattern as an anchored regular expression; InvalidPattern when it cannot be parsed."""
    regex = []
    escaped = False
    bracket: list[tuple[str, bool]] | None = None
    bracket_just_opened = False
    for char in pattern:
        if bracket is not None:
            if char == "]" and not bracket_just_opened and not escaped:
                regex.append(_bracket(bracket, pattern))
                bracket = None
            elif char != ESCAPE or escaped:
                bracket.append((char, char == "-" and not escaped))
            bracket_just_opened = False
        elif char == "*" and not escaped:
            regex.append(".*")
        elif char == "?" and not escaped:
            regex.append(".")
        elif char == "[" and not escaped:
            bracket = []
            bracket_just_opened = True
        elif char != ESCAPE or escaped:
            regex.append(re.escape(char))
        escaped = char == ESCAPE and not escaped
    if bracket is not None:
        raise InvalidPattern(pattern)
    if escaped and pattern != ESCAPE:
        regex.append(re.escape(ESCAPE))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(regex) + r"\Z", flags)


def is_match(pattern: str, text: str, ignore_case: bool = True) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` (InvalidPattern when it cannot be parsed)."""
    return compile_pattern(pattern, ignore_case).match(text) is not None
