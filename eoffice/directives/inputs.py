"""What a drafter types for the report requests of a document (web form or API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RequestInput:
    """One request: what is asked, by when, and in which form the answer comes."""

    what: str = ""
    deadline: date | None = None
    answer_form: str = "document"
