"""Marking the words a search matched, in titles and in short excerpts of long texts.

The index finds "Quyết định" for "quyet dinh" because both sides are folded
(`search.tokens.folded_words`); the highlight must agree with it, or people see a hit
with nothing marked. So a word of the original text is marked exactly when its folded
form is one of the query's folded words: the same folding, the same word boundaries
(anything that is not a letter or a digit separates words), whatever the case, the
diacritics or the Unicode form (NFC or NFD) of the text. Everything else is escaped:
the text is the user's or a file's, never markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from markupsafe import Markup, escape

from eoffice.search.tokens import ParsedQuery, folded_words

SNIPPET_WIDTH = 220
ELLIPSIS = "…"
# How much of the window comes before the first match: enough to read it in context.
_LEAD = 0.3

# A word: letters and digits, with any combining marks (a text that did not compose
# under NFC keeps its marks inside the word, as folding drops them).
_WORD = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+"
)
_SPACES = re.compile(r"\s+")


class _Matcher:
    """Says whether one word of the text is one of the query's; folding is cached
    because a long text repeats its words."""

    def __init__(self, parsed: ParsedQuery):
        self.wanted = frozenset(parsed.words) if parsed else frozenset()
        self._seen: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.wanted)

    def matches(self, word: str) -> bool:
        found = self._seen.get(word)
        if found is None:
            folded = folded_words(word)
            found = bool(folded) and all(w in self.wanted for w in folded)
            self._seen[word] = found
        return found

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for match in _WORD.finditer(text):
            if self.matches(match.group()):
                yield match.span()


def _normalised(text: str | None) -> str:
    return unicodedata.normalize("NFC", text) if text else ""


def _mark(text: str, matcher: _Matcher) -> Markup:
    if not matcher:
        return Markup(escape(text))
    pieces: list[str] = []
    position = 0
    for start, end in matcher.spans(text):
        pieces.append(escape(text[position:start]))
        pieces.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def mark(text: str | None, parsed: ParsedQuery) -> Markup:
    """`text` escaped, with every word the query matched wrapped in <mark>."""
    return _mark(_normalised(text), _Matcher(parsed))


def snippet(text: str | None, parsed: ParsedQuery, width: int = SNIPPET_WIDTH) -> Markup | None:
    """About `width` characters of `text` around its first matched word, cut between
    words ("…" where the text goes on), marked; None when no word matches.

    Line breaks and runs of spaces become one space: an excerpt is read as one line.
    """
    matcher = _Matcher(parsed)
    text = _normalised(text)
    if not matcher or not text:
        return None
    first = next(matcher.spans(text), None)
    if first is None:
        return None
    match_start, match_end = first
    width = max(width, match_end - match_start)
    start = max(0, min(match_start - int(width * _LEAD), len(text) - width))
    end = min(len(text), start + width)
    if start > 0 and not text[start - 1].isspace():
        # Start after the word the window cut into (never past the match itself).
        cut = _SPACES.search(text, start, match_start)
        start = cut.end() if cut else match_start
    if end < len(text) and not text[end].isspace():
        # End before the word the window cut into (never before the match's end).
        tail = text[match_end:end]
        spaces = list(_SPACES.finditer(tail))
        end = match_end + spaces[-1].start() if spaces else match_end
    window = _SPACES.sub(" ", text[start:end]).strip()
    marked = _mark(window, matcher)
    before = ELLIPSIS + " " if start > 0 else ""
    after = " " + ELLIPSIS if end < len(text) and text[end:].strip() else ""
    return Markup(before) + marked + Markup(after)
