"""Every kind of notification has its words, and every template uses only known words."""

from __future__ import annotations

import string

from eoffice.directives.news import TEMPLATES as DIRECTIVE_TEMPLATES
from eoffice.exchange.scheduler import TEMPLATES as CHECK_TEMPLATES
from eoffice.notifications.content import ACCOUNT_TEMPLATES, TEMPLATES
from eoffice.notifications.models import KIND_LABELS, NotificationKind
from eoffice.outgoing.news import TEMPLATES as OUTGOING_TEMPLATES

WORDS = {"ref", "about", "deadline", "part", "urgency", "who", "reason", "detail"}


def test_every_kind_has_a_title_a_body_and_a_label():
    assert not set(TEMPLATES) & set(OUTGOING_TEMPLATES)
    assert not (set(TEMPLATES) | set(OUTGOING_TEMPLATES)) & set(CHECK_TEMPLATES)
    assert not (set(TEMPLATES) | set(OUTGOING_TEMPLATES)) & set(DIRECTIVE_TEMPLATES)
    assert not (set(TEMPLATES) | set(OUTGOING_TEMPLATES)) & set(ACCOUNT_TEMPLATES)
    every = (
        set(TEMPLATES)
        | set(OUTGOING_TEMPLATES)
        | set(CHECK_TEMPLATES)
        | set(DIRECTIVE_TEMPLATES)
        | set(ACCOUNT_TEMPLATES)
    )
    assert every == set(NotificationKind) == set(KIND_LABELS)


def test_templates_use_only_the_prepared_words():
    for title, body in TEMPLATES.values():
        used = {name for text in (title, body) for _, name, _, _ in string.Formatter().parse(text)}
        assert used - {None} <= WORDS


def test_directive_templates_use_only_the_prepared_words():
    for title, body in DIRECTIVE_TEMPLATES.values():
        used = {name for text in (title, body) for _, name, _, _ in string.Formatter().parse(text)}
        assert used - {None} <= WORDS
