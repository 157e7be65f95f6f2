"""What the flow and tour tests need beside tests/e2e/browser.py.

Playwright's sync API keeps an asyncio event loop running in the test's thread, and
pyHanko (signing a PDF when a document is published or the demo is seeded, validating
a signature) calls `asyncio.run()`, which refuses to start inside a running loop. Such
work runs here in a thread of its own, with its own app context.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import Flask

T = TypeVar("T")


def off_the_loop(func: Callable[..., T], *args, app: Flask | None = None, **kwargs) -> T:
    """`func(*args, **kwargs)` in another thread (inside an app context of `app` when
    given), its result or exception returned or raised here."""

    def run() -> T:
        if app is None:
            return func(*args, **kwargs)
        with app.app_context():
            return func(*args, **kwargs)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
