"""The text inside a stored file: the PDF text layer, a DOCX's words, an XLSX's cells.

Pure: bytes and the file's kind (`StoredFile.kind`, `core.filetypes`) in, an
`ExtractResult` out; no Flask, no database (`search.texts` stores the result and
re-indexes the documents). Nothing here raises for bad input: a corrupt, encrypted or
hostile file is a FAILED result whose `error` (English, for the log and the admin)
says why, so one bad attachment never stops a job or hides its document from search,
which still finds it by its metadata.

Every parser runs inside limits: the files come from outside (any sender, the exchange)
and are read by a worker that must survive them.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from time import monotonic

from docx import Document
from docx.table import Table
from pypdf import PasswordType, PdfReader

from eoffice.core.text import strip_controls
from eoffice.search.tokens import MAX_INDEXED_CHARS

log = logging.getLogger(__name__)

MAX_OPEN_BYTES = 64 * 1024 * 1024
"""Largest file opened at all. Above the upload limit (MAX_UPLOAD_BYTES, 50 MB by
default), so every file a clerk could attach is read; a bigger one (from the exchange,
or a limit raised later) is refused rather than read whole into a worker's memory."""

MAX_TEXT_CHARS = MAX_INDEXED_CHARS
"""Characters kept: the index reads no further (`search.tokens`: PostgreSQL refuses a
tsvector over 1 MB), so reading on would cost time and storage for words never found."""

MAX_PDF_PAGES = 300
"""PDF pages read. A text page gives some 3,000 characters, so the kept text is full
long before this; the bound is for scans, whose pages yield nothing and would otherwise
all be parsed (thousands of pages of a bound register) to learn that."""

MAX_PDF_SECONDS = 60.0
"""Time after which no further PDF page is started (the text read so far is kept).
pypdf parses content streams in Python, some 0.2-0.5 s for a dense page; drawings or
plans with huge streams yield few characters per second of parsing, and the job must
end well inside its timeout (`search.texts.JOB_TIMEOUT`) rather than be killed and
retried to no end."""

MAX_ZIP_UNCOMPRESSED = 100 * 1024 * 1024
"""Largest total a DOCX or XLSX may expand to, read from the zip directory before
opening it. python-docx reads every part into memory and parses the XML into trees many
times their size; a real letter or report is a few MB. The upload check allows up to
300 MB (`core.filetypes.MAX_UNCOMPRESSED_ZIP`): such a file is kept but not searched."""

MAX_ZIP_RATIO = 200
"""Largest expansion of one member (uncompressed / compressed size). Word and Excel XML
deflates some 5 to 50 times; a bomb of repeated bytes reaches about 1,000 (the deflate
maximum). A bomb kept just under MAX_ZIP_UNCOMPRESSED would still cost a worker 100 MB
and seconds of inflating for a file of a hundred KB, which no real document does."""

ZIP_RATIO_FROM = 4 * 1024 * 1024
"""Members smaller than this are not judged by ratio: a tiny empty sheet or a styles
part may compress extremely well, and at this size it costs nothing to read."""

MAX_ZIP_MEMBERS = 10_000
"""Most entries a DOCX or XLSX may list: each becomes a part object when opened, and a
directory of millions of empty entries is a bomb of its own (a real file has dozens)."""

IMAGE_KINDS = frozenset({"jpeg", "png"})

_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{2,}")


class Outcome(StrEnum):
    """What an extraction gave; the same values as `search.models.TextState`."""

    DONE = "done"
    EMPTY = "empty"  # nothing to read: a scan without a text layer, an empty sheet
    FAILED = "failed"  # unreadable, encrypted, too large or too expanding to open safely
    SKIPPED = "skipped"  # a kind that holds no text we read (an image, a Word 97 file)


@dataclass(frozen=True)
class ExtractResult:
    state: Outcome
    text: str = ""
    error: str | None = None  # why FAILED or SKIPPED, in English, for the log
    truncated: bool = False  # the file held more than MAX_TEXT_CHARS


class _Refused(Exception):
    """A file this module will not (or cannot) read; the message goes into `error`."""


def extract_text(data: bytes, kind: str) -> ExtractResult:
    """The text of a file of `kind` (a `StoredFile.kind`), within the module's limits."""
    reader = _READERS.get(kind)
    if reader is None:
        what = "an image" if kind in IMAGE_KINDS else f"kind {kind!r}"
        return ExtractResult(Outcome.SKIPPED, error=f"no text is read from {what}")
    if len(data) > MAX_OPEN_BYTES:
        return ExtractResult(
            Outcome.FAILED, error=f"file of {len(data)} bytes exceeds {MAX_OPEN_BYTES}"
        )
    try:
        with warnings.catch_warnings():  # openpyxl and pypdf warn about files they repair
            warnings.simplefilter("ignore")
            pieces = reader(data)
            try:
                text, truncated = _collect(pieces)
            finally:
                pieces.close()  # stopped at the limit: let the reader close its file now
    except _Refused as exc:
        return ExtractResult(Outcome.FAILED, error=str(exc))
    except ImportError:  # an installation problem, not a bad file: the job must fail
        raise
    except Exception as exc:  # any parser error on hostile bytes is a result, not a crash
        log.debug("text extraction of a %s file failed", kind, exc_info=True)
        return ExtractResult(Outcome.FAILED, error=_describe(kind, exc))
    if not text:
        return ExtractResult(Outcome.EMPTY)
    return ExtractResult(Outcome.DONE, text, truncated=truncated)


def normalise(text: str) -> str:
    """NFC, no control characters or ligatures, spaces collapsed, no blank lines.

    The same word is stored the same way whatever produced the file (a PDF writer may
    decompose "ế" or use the "ﬁ" glyph), and the kept characters hold words, not
    layout whitespace.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = strip_controls(text.replace("\t", " ")).translate(_LIGATURES)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def _collect(pieces: Iterable[str]) -> tuple[str, bool]:
    """Join normalised pieces by line breaks, up to MAX_TEXT_CHARS; stops reading there."""
    kept: list[str] = []
    size = 0  # len("\n".join(kept))
    for piece in pieces:
        piece = normalise(piece)
        if not piece:
            continue
        room = MAX_TEXT_CHARS - size - (1 if kept else 0)
        if len(piece) > room:
            if room > 0:
                kept.append(piece[:room])
            return "\n".join(kept), True
        size += len(piece) + (1 if kept else 0)
        kept.append(piece)
    return "\n".join(kept), False


def _ascii(text: str, limit: int = 200) -> str:
    """A message fit for the log: a parser's message may quote the file's own bytes."""
    return text[:limit].encode("ascii", "backslashreplace").decode("ascii")


def _describe(kind: str, exc: Exception) -> str:
    detail = _ascii(str(exc).splitlines()[0]) if str(exc).strip() else ""
    return f"unreadable {kind} file ({type(exc).__name__}{': ' + detail if detail else ''})"


# PDF -------------------------------------------------------------------------------------


def _pdf(data: bytes) -> Iterator[str]:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # Many official PDFs are encrypted with an empty user password (only printing or
        # copying restricted): they open for anyone, so they are read. A real password
        # is something the office does not have.
        try:
            opened = reader.decrypt("")
        except Exception as exc:
            raise _Refused(f"encrypted PDF that cannot be opened ({type(exc).__name__})") from exc
        if opened == PasswordType.NOT_DECRYPTED:
            raise _Refused("encrypted PDF: a password is needed to read its text")
    failures = tried = 0
    pages = reader.pages
    started = monotonic()
    for number in range(min(len(pages), MAX_PDF_PAGES)):
        if number and monotonic() - started > MAX_PDF_SECONDS:
            log.info("PDF text read from its first %d pages only (time limit)", number)
            break
        tried += 1
        try:
            yield pages[number].extract_text() or ""
        except Exception:  # one damaged page does not lose the others
            failures += 1
            log.debug("PDF page %d: text extraction failed", number + 1, exc_info=True)
    if failures and failures == tried:
        raise _Refused(f"no page of the PDF could be read ({failures} failed)")


# DOCX and XLSX ----------------------------------------------------------------------------


def check_zip(data: bytes) -> None:
    """Refuse a zip container that would expand too far, from its directory alone.

    The sizes are the declared ones; Python's zipfile never returns more bytes than a
    member declares (a lying member fails its CRC check instead), so the check holds
    for whatever python-docx and openpyxl read afterwards.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _Refused(f"not a readable zip container ({_ascii(str(exc))})") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise _Refused(f"zip container lists {len(members)} members (limit {MAX_ZIP_MEMBERS})")
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_UNCOMPRESSED:
        raise _Refused(f"zip container expands to {total} bytes (limit {MAX_ZIP_UNCOMPRESSED})")
    for member in members:
        if member.file_size < ZIP_RATIO_FROM:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_ZIP_RATIO:
            raise _Refused(
                f"zip member {member.filename[:100]!a} expands {ratio:.0f} times "
                f"(limit {MAX_ZIP_RATIO}): a zip bomb"
            )


def _docx(data: bytes) -> Iterator[str]:
    check_zip(data)
    document = Document(io.BytesIO(data))
    yield from _docx_blocks(document.iter_inner_content(), set())
    seen_parts: set[object] = set()
    for section in document.sections:
        for part in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
            section.first_page_footer,
            section.even_page_footer,
        ):
            # A header linked to the previous section's is that same part: read it once.
            if part.is_linked_to_previous or part.part in seen_parts:
                continue
            seen_parts.add(part.part)
            yield from _docx_blocks(part.iter_inner_content(), set())


def _docx_blocks(blocks: Iterable[object], seen_cells: set[object]) -> Iterator[str]:
    """Paragraphs and tables in document order; the cells of nested tables too.

    A merged cell is returned once per grid position it spans by python-docx: its
    element is read once.
    """
    for block in blocks:
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc in seen_cells:
                        continue
                    seen_cells.add(cell._tc)  # kept alive, so the proxy stays the same
                    yield from _docx_blocks(cell.iter_inner_content(), seen_cells)
        else:
            yield block.text  # a Paragraph


def _xlsx(data: bytes) -> Iterator[str]:
    from openpyxl import load_workbook  # here: the web process never needs it

    check_zip(data)
    # read_only streams each sheet's XML rather than building every cell; data_only
    # gives a formula's last computed value, which is what the reader of the sheet saw.
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            titled = False  # an empty sheet's name ("Sheet1") is not text of the file
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell_text(value) for value in row if value is not None]
                line = " ".join(c for c in cells if c)
                if line:
                    if not titled:
                        yield sheet.title
                        titled = True
                    yield line
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return ""  # TRUE/FALSE carry no words anybody searches for
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if value.time() == time() else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")  # as people write dates here
    return str(value)


_READERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx}
