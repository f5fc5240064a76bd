"""Heart rate of a whole recording, computed in one streaming pass over its R peaks.

How the numbers are defined (stored with the result, so they must stay stable):

- RR intervals are the times between consecutive detected beats. Intervals outside
  `PLAUSIBLE_RR_SECONDS` (240 bpm to 20 bpm) are rejected: shorter ones are detection errors,
  longer ones are gaps such as a lead falling off, and neither is a heart rate.
- `mean_bpm` is 60 divided by the mean accepted RR interval, so gaps do not dilute it.
- `min_bpm` and `max_bpm` are the extremes of the heart rate smoothed as the median of the
  last `SMOOTHING_BEATS` accepted RR intervals; one missed or extra beat therefore cannot
  produce a spurious extreme. A recording with fewer intervals uses the median of all of them.
"""

from __future__ import annotations

import statistics
from array import array
from collections import deque
from dataclasses import dataclass

import numpy as np

from ecg.detect import ALGORITHM_NAME, ALGORITHM_VERSION, iter_r_peaks
from ecg.recording import RecordingReader

PLAUSIBLE_RR_SECONDS = (0.25, 3.0)
SMOOTHING_BEATS = 8


@dataclass(frozen=True)
class HeartRateResult:
    """Summary of a recording's heart rate; bpm values are None when no interval was usable."""

    beat_count: int
    mean_bpm: float | None
    min_bpm: float | None
    max_bpm: float | None
    rr_intervals_used: int
    duration_seconds: float
    algorithm: str
    algorithm_version: str
    #: Sample indices of the detected R peaks (only when asked for: 24 h is ~100k beats).
    r_peaks: np.ndarray | None = None


class _HeartRateAccumulator:
    """Running RR statistics, so a 24-hour recording needs no list of all its intervals."""

    def __init__(self, sampling_rate: float) -> None:
        self._sampling_rate = sampling_rate
        self._recent: deque[float] = deque(maxlen=SMOOTHING_BEATS)
        self._previous_peak: int | None = None
        self.interval_sum = 0.0
        self.interval_count = 0
        self.smoothed_min: float | None = None
        self.smoothed_max: float | None = None

    def add_peak(self, peak: int) -> None:
        previous, self._previous_peak = self._previous_peak, peak
        if previous is None:
            return
        interval = (peak - previous) / self._sampling_rate
        shortest, longest = PLAUSIBLE_RR_SECONDS
        if not shortest <= interval <= longest:
            return
        self.interval_sum += interval
        self.interval_count += 1
        self._recent.append(interval)
        if len(self._recent) == SMOOTHING_BEATS:
            self._note_smoothed(statistics.median(self._recent))

    def _note_smoothed(self, interval: float) -> None:
        bpm = 60.0 / interval
        self.smoothed_min = bpm if self.smoothed_min is None else min(self.smoothed_min, bpm)
        self.smoothed_max = bpm if self.smoothed_max is None else max(self.smoothed_max, bpm)

    def finish(self) -> None:
        if self.smoothed_min is None and self._recent:
            self._note_smoothed(statistics.median(self._recent))

    @property
    def mean_bpm(self) -> float | None:
        if not self.interval_count:
            return None
        return 60.0 * self.interval_count / self.interval_sum


def analyse(reader: RecordingReader, *, keep_r_peaks: bool = False) -> HeartRateResult:
    """Detect every beat of the recording (in bounded windows) and summarise the heart rate."""
    accumulator = _HeartRateAccumulator(reader.sampling_rate)
    kept = array("q")
    beat_count = 0
    for peak in iter_r_peaks(reader):
        beat_count += 1
        accumulator.add_peak(peak)
        if keep_r_peaks:
            kept.append(peak)
    accumulator.finish()
    return HeartRateResult(
        beat_count=beat_count,
        mean_bpm=accumulator.mean_bpm,
        min_bpm=accumulator.smoothed_min,
        max_bpm=accumulator.smoothed_max,
        rr_intervals_used=accumulator.interval_count,
        duration_seconds=reader.duration_seconds,
        algorithm=ALGORITHM_NAME,
        algorithm_version=ALGORITHM_VERSION,
        r_peaks=np.frombuffer(kept, dtype=np.int64).copy() if keep_r_peaks else None,
    )
