"""A 24-hour recording is read, analysed and summarised in bounded memory."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from ecg import RawHints, analyse, build_summary, open_recording, preview
from ecg.synthetic import beat_period, write_raw_int16

DAY_SECONDS = 24 * 3600
RATE = 250
LEADS = 2
BPM = 70


@pytest.fixture(scope="module")
def day_recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("holter") / "upload"
    write_raw_int16(path, seconds=DAY_SECONDS, sampling_rate=RATE, lead_count=LEADS, bpm=BPM)
    return path


def test_a_day_is_analysed_and_summarised_in_bounded_memory(day_recording, tmp_path):
    file_bytes = day_recording.stat().st_size
    assert file_bytes == DAY_SECONDS * RATE * LEADS * 2  # 86 MB of samples

    tracemalloc.start()
    try:
        reader = open_recording(
            day_recording, hints=RawHints(sampling_rate=RATE, lead_count=LEADS, sample_type="int16")
        )
        result = analyse(reader)
        summary = build_summary(reader, tmp_path / "day.ecgsum")
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak_bytes < 12 * 1024 * 1024, peak_bytes  # far below the 86 MB file
    assert peak_bytes < file_bytes / 7
    expected_bpm = RATE * 60 / beat_period(RATE, BPM)
    assert result.beat_count == pytest.approx(DAY_SECONDS * expected_bpm / 60, abs=2)
    assert result.mean_bpm == pytest.approx(expected_bpm, rel=1e-4)
    assert result.duration_seconds == DAY_SECONDS

    started = time.perf_counter()
    whole_day = preview(summary, 0, DAY_SECONDS, 1000)
    whole_day_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ten_seconds = preview(summary, 43_200, 43_210, 1000)
    ten_seconds_time = time.perf_counter() - started
    assert len(whole_day["t"]) <= 1000
    assert len(ten_seconds["t"]) <= 1000
    # Both read a bounded number of buckets; allow generous slack for a busy CI machine.
    assert whole_day_seconds < 0.25
    assert whole_day_seconds < 20 * ten_seconds_time + 0.05
