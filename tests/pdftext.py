"""Read a PDF's text with poppler's pdftotext, as a person copying from it would."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def pdf_text(pdf: bytes, *pages: int, layout: bool = True) -> str:
    """The text of `pages` (all by default); layout=False keeps each table cell together."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else [])]
        if pages:
            args += ["-f", str(pages[0]), "-l", str(pages[-1])]
        return subprocess.run(
            [*args, str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
