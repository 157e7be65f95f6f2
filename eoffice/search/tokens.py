"""The words of search: how a text becomes index tokens and how a query becomes terms.

Both databases index exactly the strings made here, so PostgreSQL (tsvector, 'simple'
configuration) and SQLite (FTS5, unicode61) see the same words and return the same
documents (STACK.md §5, decision 0018):

- `folded`: every word lower-cased, diacritics removed, đ → d (`core.text.vn_fold`),
  compatibility forms made plain (NFKC: "m²" is "m2", "①" is "1"), and every character
  that is not a letter or a digit turned into a space, so that "3337/GDĐT-TTTT" is found
  by "3337", "gddt" or the whole symbol (as a phrase).
- `exact`: only the words that carry a diacritic, spelt in ASCII the way Telex types
  them ("quyết" → "quyeets", "định" → "ddinhj"). It ranks first the documents whose
  words have the very diacritics the user typed; ASCII keeps both databases' parsers
  out of the question of which non-ASCII characters are letters.

A query is a list of terms that must all match: a bare word, or a phrase (in double
quotes, or a word with separators such as a symbol), whose words must follow each
other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from eoffice.core.text import strip_controls, vn_fold

# Longest text indexed per document: PostgreSQL refuses a tsvector over 1 MB, and the
# words of a document's first 200,000 characters are the ones people search for.
MAX_INDEXED_CHARS = 200_000
# A longer "word" is no word (a base64 blob, a run of dots): it is left out, and
# PostgreSQL refuses a lexeme over 2,047 bytes.
MAX_WORD_CHARS = 60
# A longer query is cut: nobody types more, and each term costs an index probe.
MAX_QUERY_TERMS = 12
MAX_QUERY_CHARS = 300

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_QUOTED = re.compile(r'"([^"]*)"?')


def _combining_marks() -> str:
    """Every combining mark (category Mn) as a regex class body: a word typed on a
    decomposing keyboard, or with a stray mark, stays one word, as `vn_fold` (which
    drops the marks) sees it."""
    planes = (*range(0x20000), *range(0xE0000, 0xE1000))  # where Unicode has them
    marks = [chr(c) for c in planes if unicodedata.category(chr(c)) == "Mn"]
    return "".join(re.escape(m) for m in marks)


# A word of the original text: letters, digits and the marks on them.
_WORD = re.compile(rf"(?:[^\W_]|[{_combining_marks()}])+")

# Telex: the vowel marks double the letter or add w, the tone goes to the end.
_SHAPE = {"\u0302": "{base}", "\u0306": "w", "\u031b": "w"}  # circumflex, breve, horn
_TONE = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}


def folded_words(text: str | None) -> list[str]:
    """The index words of `text`: folded, split on anything that is not a letter or digit."""
    if not text:
        return []
    plain = unicodedata.normalize("NFKC", text[:MAX_INDEXED_CHARS])
    words = _NOT_ALNUM.sub(" ", vn_fold(plain)).split()
    return [w for w in words if len(w) <= MAX_WORD_CHARS]


def exact_word(word: str) -> str | None:
    """The Telex spelling of one word if it carries a diacritic or đ, else None.

    `word` is one word of the original text; the result is lower-case ASCII for
    Vietnamese. A mark with no letter before it is dropped.
    """
    lowered = unicodedata.normalize("NFC", word).lower()
    if lowered.isascii():
        return None
    letters: list[str] = []
    tone = ""
    base = ""
    for char in unicodedata.normalize("NFD", lowered):
        if char == "đ":
            letters.append("dd")
        elif unicodedata.category(char) != "Mn":
            base = char
            letters.append(char)
        elif char in _SHAPE and base:
            letters.append(_SHAPE[char].format(base=base))
        elif char in _TONE:
            tone = _TONE[char]
    return unicodedata.normalize("NFC", "".join(letters) + tone)


def _original_words(text: str) -> list[str]:
    return _WORD.findall(strip_controls(unicodedata.normalize("NFKC", text[:MAX_INDEXED_CHARS])))


def exact_words(text: str | None) -> list[str]:
    """The Telex spellings of the words of `text` that carry a diacritic (for ranking)."""
    if not text:
        return []
    spelt = (exact_word(w) for w in _original_words(text))
    return [w for w in spelt if w and len(w) <= MAX_WORD_CHARS]


@dataclass(frozen=True)
class Term:
    """One thing a document must contain: a word, or a phrase of words in order.

    `exact` holds the Telex spellings of the words the user typed with diacritics; a
    document holding all of them ranks before one that matched only once folded.
    """

    words: tuple[str, ...]
    exact: tuple[str, ...] = ()
    # The folded words typed without any diacritic: only these need the folded index
    # when the exact one already holds the accented words (not part of equality).
    plain: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def exact(self) -> tuple[str, ...]:
        """Every accented word of the query, Telex-spelt: empty when nothing is accented."""
        seen: dict[str, None] = {}
        for term in self.terms:
            for word in term.exact:
                seen.setdefault(word, None)
        return tuple(seen)

    @property
    def plain(self) -> tuple[str, ...]:
        """The folded words typed without diacritics, once each."""
        seen: dict[str, None] = {}
        for term in self.terms:
            for word in term.plain:
                seen.setdefault(word, None)
        return tuple(seen)

    @property
    def words(self) -> tuple[str, ...]:
        """Every folded word of the query, once each (for highlighting)."""
        seen: dict[str, None] = {}
        for term in self.terms:
            for word in term.words:
                seen.setdefault(word, None)
        return tuple(seen)


def _term(raw: str) -> Term | None:
    words = tuple(folded_words(raw))
    if not words:
        return None
    covered = {w for part in _original_words(raw) if exact_word(part) for w in folded_words(part)}
    plain = tuple(w for w in words if w not in covered)
    return Term(words=words, exact=tuple(exact_words(raw)), plain=plain)


def parse_query(text: str | None) -> ParsedQuery:
    """Terms of a query as people type it: words, "a phrase in quotes", or a symbol.

    Operators are not interpreted: AND, OR, NOT and * are plain words or separators,
    so no input can make the database parse an expression.
    """
    if not text:
        return ParsedQuery()
    text = strip_controls(unicodedata.normalize("NFKC", text))[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    position = 0
    pieces: list[tuple[str, bool]] = []
    for match in _QUOTED.finditer(text):
        pieces.append((text[position : match.start()], False))
        pieces.append((match.group(1), True))
        position = match.end()
    pieces.append((text[position:], False))
    for piece, quoted in pieces:
        chunks = [piece] if quoted else piece.split()
        for chunk in chunks:
            term = _term(chunk)
            if term is not None and term not in terms:
                terms.append(term)
    return ParsedQuery(tuple(terms[:MAX_QUERY_TERMS]))


def has_accents(text: str | None) -> bool:
    """The text carries a Vietnamese diacritic or đ (it is not plain ASCII letters)."""
    return bool(exact_words(text))
