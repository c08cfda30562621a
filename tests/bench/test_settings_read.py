"""bench.settings: a server's settings are read from memory, the same with the database up or gone."""

from __future__ import annotations

from bench.settings import measure_settings_read


def test_the_read_returns_the_saved_setting_with_the_database_up_and_gone():
    read = measure_settings_read()
    # Gone means disposed and its file deleted: a read that touched it would not return "ko".
    assert read.language == "ko"
    assert read.up_us > 0 and read.down_us > 0
