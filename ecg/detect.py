"""R-peak detection: a multi-lead Pan-Tompkins detector that streams over a recording.

The method follows Pan & Tompkins (IEEE Trans. Biomed. Eng. 32(3), 1985), reimplemented here:

1. band-pass each lead (~5-15 Hz) with cascaded moving averages, the same structure as the
   paper's integer filters, scaled to the sampling rate and applied forwards and centred so
   the output is not delayed;
2. differentiate, square and sum the leads (combining leads keeps a beat visible when one lead
   is noisy or flat);
3. integrate over a 150 ms moving window;
4. walk the local maxima of that integral with adaptive signal/noise levels, a 200 ms
   refractory period, a T-wave slope test within 360 ms of the previous beat, and a search-back
   at half the threshold when no beat came for 1.66 times the recent RR interval;
5. place each beat at the peak of band-passed energy within 100 ms of its integral peak.

A recording is processed in windows of `CORE_SECONDS` with `MARGIN_SECONDS` of extra signal on
both sides. Each window reports only beats inside its core, and every sample belongs to exactly
one core, so a beat on a window boundary is reported once: the margins give the filters and the
adaptive thresholds context, and the cores partition the recording.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterator

import numpy as np

from ecg.recording import RecordingReader

ALGORITHM_NAME = "pan-tompkins-multilead"
ALGORITHM_VERSION = "1.0.0"

CORE_SECONDS = 120.0
MARGIN_SECONDS = 6.0
REFRACTORY_SECONDS = 0.2
T_WAVE_WINDOW_SECONDS = 0.36
INTEGRATION_SECONDS = 0.15
LOCALISATION_SECONDS = 0.1
SEARCH_BACK_FACTOR = 1.66
_LEARNING_SECONDS = 8.0
_RR_HISTORY = 8


def _moving_average(signal: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along axis 0 from one cumulative sum: O(n) whatever the width.

    Near the ends the window shrinks to the samples that exist, so no padding is invented.
    """
    length = signal.shape[0]
    width = max(1, min(width, length))
    if width == 1:
        return signal.astype(np.float64, copy=False)
    before = width // 2
    after = width - 1 - before
    cumulative = np.zeros((length + 1, *signal.shape[1:]))
    np.cumsum(signal, axis=0, out=cumulative[1:])
    out = np.empty(signal.shape)
    out[before : length - after] = (cumulative[width:] - cumulative[: length - width + 1]) / width
    column = (-1,) + (1,) * (signal.ndim - 1)
    left_ends = np.arange(before) + after + 1
    out[:before] = cumulative[left_ends] / left_ends.reshape(column)
    right_starts = np.arange(length - after, length) - before
    out[length - after :] = (cumulative[length] - cumulative[right_starts]) / (
        length - right_starts
    ).reshape(column)
    return out


def band_pass(samples: np.ndarray, sampling_rate: float) -> np.ndarray:
    """Keep the QRS band: a doubled 25 ms average (low-pass) minus its 160 ms average."""
    smooth = _moving_average(samples, round(0.025 * sampling_rate))
    smooth = _moving_average(smooth, round(0.025 * sampling_rate))
    return smooth - _moving_average(smooth, round(0.16 * sampling_rate))


def qrs_features(
    samples: np.ndarray, sampling_rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(band-passed energy, squared slope, integrated squared slope), summed over leads."""
    clean = np.nan_to_num(samples.astype(np.float64, copy=False))
    filtered = band_pass(clean, sampling_rate)
    slope = np.zeros_like(filtered)
    slope[1:-1] = (filtered[2:] - filtered[:-2]) * (sampling_rate / 2.0)
    squared_slope = np.square(slope).sum(axis=1)
    integrated = _moving_average(squared_slope, round(INTEGRATION_SECONDS * sampling_rate))
    return np.square(filtered).sum(axis=1), squared_slope, integrated


def _window_max_at(signal: np.ndarray, centres: np.ndarray, reach: int) -> np.ndarray:
    """max(signal[c - reach : c + reach + 1]) for each centre c, vectorised."""
    padded = np.pad(signal, reach, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    return windows[centres].max(axis=1)


def _local_maxima(signal: np.ndarray, min_distance: int) -> np.ndarray:
    """Local maxima that are also the highest point within `min_distance` on either side."""
    if signal.size < 3:
        return np.zeros(0, dtype=np.int64)
    rising = signal[1:-1] > signal[:-2]
    not_falling_next = signal[1:-1] >= signal[2:]
    candidates = np.flatnonzero(rising & not_falling_next) + 1
    if candidates.size == 0:
        return candidates
    highest = signal[candidates] >= _window_max_at(signal, candidates, min_distance)
    kept = candidates[highest]
    # Two equal peaks closer than min_distance: keep the first.
    too_close = np.diff(kept, prepend=-min_distance - 1) <= min_distance
    return kept[~too_close]


class _AdaptiveThresholds:
    """Pan-Tompkins running estimates of signal and noise peak levels."""

    def __init__(self, integrated: np.ndarray, sampling_rate: float) -> None:
        learning = integrated[: max(1, round(_LEARNING_SECONDS * sampling_rate))]
        second = max(1, round(sampling_rate))
        per_second = [learning[i : i + second].max() for i in range(0, learning.size, second)]
        # Median of per-second maxima: one artefact in the learning period cannot blind it.
        self.signal_level = 0.5 * float(np.median(per_second))
        self.noise_level = 0.5 * float(np.median(learning))

    @property
    def primary(self) -> float:
        return self.noise_level + 0.25 * (self.signal_level - self.noise_level)

    @property
    def search_back(self) -> float:
        return 0.5 * self.primary

    def saw_beat(self, height: float, *, found_by_search_back: bool = False) -> None:
        weight = 0.25 if found_by_search_back else 0.125
        self.signal_level = weight * height + (1 - weight) * self.signal_level

    def saw_noise(self, height: float) -> None:
        self.noise_level = 0.125 * height + 0.875 * self.noise_level


def detect_r_peaks(samples: np.ndarray, sampling_rate: float) -> np.ndarray:
    """R-peak sample indices in one in-memory window of shape (n_samples, n_leads)."""
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[0] < round(0.5 * sampling_rate):
        return np.zeros(0, dtype=np.int64)
    energy, squared_slope, integrated = qrs_features(samples, sampling_rate)
    refractory = round(REFRACTORY_SECONDS * sampling_rate)
    candidates = _local_maxima(integrated, refractory)
    if candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    heights = integrated[candidates]
    reach = max(1, round(INTEGRATION_SECONDS * sampling_rate / 2))
    slopes = np.sqrt(_window_max_at(squared_slope, candidates, reach))
    thresholds = _AdaptiveThresholds(integrated, sampling_rate)
    beats = _classify(candidates, heights, slopes, thresholds, sampling_rate)
    return _localise(beats, energy, round(LOCALISATION_SECONDS * sampling_rate))


def _classify(
    candidates: np.ndarray,
    heights: np.ndarray,
    slopes: np.ndarray,
    thresholds: _AdaptiveThresholds,
    sampling_rate: float,
) -> list[int]:
    """Walk candidate peaks in time order and keep those that are QRS complexes."""
    refractory = REFRACTORY_SECONDS * sampling_rate
    t_wave_window = T_WAVE_WINDOW_SECONDS * sampling_rate
    recent_rr: deque[float] = deque([sampling_rate], maxlen=_RR_HISTORY)
    beats: list[int] = []
    beat_slope = 0.0
    missed_beat_gap = SEARCH_BACK_FACTOR * sampling_rate
    noise_since_beat: list[int] = []  # candidate numbers the search-back may revisit

    def accept(number: int, *, by_search_back: bool) -> None:
        nonlocal beat_slope, missed_beat_gap
        if beats:
            recent_rr.append(float(candidates[number] - beats[-1]))
            missed_beat_gap = SEARCH_BACK_FACTOR * statistics.median(recent_rr)
        beats.append(int(candidates[number]))
        beat_slope = float(slopes[number])
        thresholds.saw_beat(float(heights[number]), found_by_search_back=by_search_back)
        noise_since_beat.clear()

    def search_back_before(position: int) -> None:
        """Recover beats missed in a gap longer than 1.66 recent RR intervals."""
        while beats and position - beats[-1] > missed_beat_gap:
            eligible = [
                number
                for number in noise_since_beat
                if heights[number] > thresholds.search_back
                and candidates[number] - beats[-1] > refractory
            ]
            if not eligible:
                return
            best = max(eligible, key=lambda number: heights[number])
            later = [number for number in noise_since_beat if number > best]
            accept(best, by_search_back=True)
            noise_since_beat.extend(later)

    for number, position in enumerate(candidates):
        search_back_before(int(position))
        height = float(heights[number])
        since_beat = position - beats[-1] if beats else np.inf
        is_t_wave = since_beat < t_wave_window and slopes[number] < 0.5 * beat_slope
        if height > thresholds.primary and since_beat > refractory and not is_t_wave:
            accept(number, by_search_back=False)
        else:
            thresholds.saw_noise(height)
            noise_since_beat.append(number)
    return beats


def _localise(beats: list[int], energy: np.ndarray, reach: int) -> np.ndarray:
    """Move each beat from its integral peak to the band-passed energy peak nearby."""
    if not beats:
        return np.zeros(0, dtype=np.int64)
    padded = np.pad(energy, reach, mode="constant", constant_values=-1.0)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    centres = np.array(beats, dtype=np.int64)
    return centres - reach + windows[centres].argmax(axis=1)


def iter_r_peaks(
    reader: RecordingReader,
    *,
    core_seconds: float = CORE_SECONDS,
    margin_seconds: float = MARGIN_SECONDS,
) -> Iterator[int]:
    """R-peak sample indices over a whole recording, in order, reading it window by window.

    Memory is bounded by one window of `core_seconds + 2 * margin_seconds` of samples.
    """
    rate = reader.sampling_rate
    core = max(1, round(core_seconds * rate))
    margin = max(1, round(margin_seconds * rate))
    refractory = round(REFRACTORY_SECONDS * rate)
    buffer = np.zeros((0, reader.lead_count), dtype=np.float32)
    buffer_start = 0
    core_start = 0
    last_peak = -refractory - 1

    def peaks_in_core(core_begin: int) -> Iterator[int]:
        nonlocal last_peak
        core_end = min(core_begin + core, reader.sample_count)
        window_start = max(buffer_start, core_begin - margin)
        window = buffer[window_start - buffer_start : core_end + margin - buffer_start]
        for peak in detect_r_peaks(window, rate) + window_start:
            if core_begin <= peak < core_end and peak - last_peak > refractory:
                last_peak = int(peak)
                yield int(peak)

    for _, block in reader.blocks(core):
        buffer = np.concatenate((buffer, block)) if buffer.size else block
        while buffer_start + len(buffer) >= min(core_start + core + margin, reader.sample_count):
            if core_start >= reader.sample_count:
                break
            yield from peaks_in_core(core_start)
            core_start += core
            drop = core_start - margin - buffer_start
            if drop > 0:
                buffer = buffer[drop:]
                buffer_start += drop
