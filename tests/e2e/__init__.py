"""Real-browser tests (Playwright driving chromium); see conftest.py."""
