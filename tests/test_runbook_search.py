"""Search across the bundled runbooks ranks the section about the words first."""

from __future__ import annotations

import pytest

from linkflow_console.runbooks import RunbookLibrary


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("pgbouncer", "infrastructure.postgres.connection-pooling"),  # the title names it
        ("noeviction", "infrastructure.redis.memory-limits"),  # the section that says it most
        ("sentry dsn", "application.logging.error-tracking"),
    ],
)
def test_the_section_about_the_words_comes_first(query, best):
    hits = RunbookLibrary(None).search(query)
    assert hits and hits[0][0].anchor == best
    assert len({section.anchor for section, _ in hits}) == len(hits)  # each section once


def test_every_hit_holds_every_word_and_the_limit_holds():
    hits = RunbookLibrary(None).search("redis ttl", limit=5)
    assert 0 < len(hits) <= 5
    for section, _line in hits:
        text = (section.title + section.body).lower()
        assert "redis" in text and "ttl" in text
    assert RunbookLibrary(None).search("   ") == []
