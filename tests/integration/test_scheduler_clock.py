"""The scheduler process's minute: every part runs each tick, the deadline reminders once
per office day from DEADLINE_REMINDERS_AT."""

from __future__ import annotations

from datetime import UTC, datetime

from eoffice.core import timeutil
from eoffice.jobs.clock import Clock, seconds_to_next_minute

# Monday 05/10/2026; office time is UTC+7.
BEFORE = datetime(2026, 10, 5, 23, 50, tzinfo=UTC)  # Tuesday 06:50 office time
AFTER = datetime(2026, 10, 6, 0, 5, tzinfo=UTC)  # Tuesday 07:05
LATER = datetime(2026, 10, 6, 4, 0, tzinfo=UTC)  # Tuesday 11:00
NEXT_DAY = datetime(2026, 10, 7, 0, 1, tzinfo=UTC)  # Wednesday 07:01


def test_reminders_run_once_a_day_from_their_time_and_the_rest_every_minute(app, world):
    clock = Clock()
    for moment, reminders in ((BEFORE, False), (AFTER, True), (LATER, False), (NEXT_DAY, True)):
        timeutil.set_clock(lambda moment=moment: moment)
        result = clock.tick(moment)
        assert result.failed == []
        assert ("reminders" in result.parts) is reminders, moment
        assert {"checks", "sweeper", "digests"} <= set(result.parts)
    assert "Thông báo nhắc hạn xử lý: 0." in result.summary()


def test_the_reminders_time_is_configurable(app, world):
    app.config["DEADLINE_REMINDERS_AT"] = "06:45"
    assert Clock().reminders_due(BEFORE)
    app.config["DEADLINE_REMINDERS_AT"] = "07:00"
    assert not Clock().reminders_due(BEFORE)


def test_ticks_land_just_after_each_minute():
    assert seconds_to_next_minute(datetime(2026, 10, 5, 0, 0, 30, tzinfo=UTC)) == 31


def test_embedded_mode_starts_the_loop_with_the_first_request_only(tmp_path):
    from eoffice import create_app

    config = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.db'}",
        "STORAGE_DIR": str(tmp_path / "files"),
        "REDIS_URL": None,
    }
    embedded = create_app(config)
    assert "eoffice_clock" not in embedded.extensions  # not by a CLI command
    embedded.test_client().get("/health")
    thread, stop = embedded.extensions["eoffice_clock"]
    assert thread.is_alive()
    stop.set()
    thread.join(timeout=30)

    with_redis = create_app({**config, "REDIS_URL": "redis://127.0.0.1:6379/15"})
    with_redis.test_client().get("/health")
    assert "eoffice_clock" not in with_redis.extensions  # `flask scheduler` does it there
