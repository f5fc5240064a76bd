"""Beat detection accuracy against cardiologists' annotations, and heart-rate summaries."""

from __future__ import annotations

import numpy as np
import pytest

from ecg import ALGORITHM_NAME, ALGORITHM_VERSION, RawHints, analyse, iter_r_peaks, open_recording
from ecg.annotations import parse_mit_annotations, read_beat_samples
from ecg.synthetic import true_r_peaks, write_raw_int16
from tests.ecg.conftest import MITDB_100

MATCH_TOLERANCE_SECONDS = 0.150


def _matched_beats(reference: np.ndarray, detected: np.ndarray, tolerance: int) -> int:
    """Reference beats with a detection within `tolerance` samples, each detection used once."""
    used = np.zeros(len(detected), dtype=bool)
    matched = 0
    for beat in reference:
        index = int(np.searchsorted(detected, beat - tolerance))
        while index < len(detected) and detected[index] <= beat + tolerance:
            if not used[index]:
                used[index] = True
                matched += 1
                break
            index += 1
    return matched


def test_mit_annotation_parser_counts_the_2273_beats_of_record_100():
    annotations = parse_mit_annotations((MITDB_100 / "100.atr").read_bytes())
    beats = read_beat_samples(MITDB_100 / "100.atr")
    assert len(beats) == 2273
    assert len(annotations) == 2274  # plus one rhythm annotation, which is not a beat
    assert beats == sorted(beats)
    assert beats[0] == 77


def test_record_100_sensitivity_and_positive_predictivity_reach_0_997(mitdb_100_zip):
    reference = np.array(read_beat_samples(MITDB_100 / "100.atr"))
    reader = open_recording(mitdb_100_zip)
    result = analyse(reader, keep_r_peaks=True)
    assert result.r_peaks is not None
    tolerance = round(MATCH_TOLERANCE_SECONDS * reader.sampling_rate)
    matched = _matched_beats(reference, result.r_peaks, tolerance)
    sensitivity = matched / len(reference)
    positive_predictivity = matched / len(result.r_peaks)
    assert sensitivity >= 0.997, sensitivity
    assert positive_predictivity >= 0.997, positive_predictivity


def test_ptb_csv_is_about_100_bpm(ptb_csv):
    result = analyse(open_recording(ptb_csv, hints=RawHints(sampling_rate=1000)))
    assert result.mean_bpm == pytest.approx(100, abs=3)
    assert result.min_bpm <= result.mean_bpm <= result.max_bpm
    assert result.beat_count in (16, 17)


def test_pydicom_resting_ecg_is_about_61_bpm(dicom_ecg):
    result = analyse(open_recording(dicom_ecg))
    assert result.mean_bpm == pytest.approx(61, abs=2)
    assert result.algorithm == ALGORITHM_NAME
    assert result.algorithm_version == ALGORITHM_VERSION
    assert result.r_peaks is None  # only kept on request


def test_window_boundaries_neither_lose_nor_double_beats(mitdb_100_zip):
    reader = open_recording(mitdb_100_zip)
    default = np.array(list(iter_r_peaks(reader)))
    # Short cores put hundreds of boundaries in the record, many of them inside a QRS.
    short = np.array(list(iter_r_peaks(reader, core_seconds=3.7, margin_seconds=4)))
    assert len(short) == len(default)
    assert np.abs(short - default).max() <= 1
    assert np.diff(short).min() > 0.2 * reader.sampling_rate


def test_synthetic_rate_is_found_exactly(tmp_path):
    path = write_raw_int16(tmp_path / "upload", seconds=120, sampling_rate=250, lead_count=2,
                           bpm=72)  # fmt: skip
    reader = open_recording(path, hints=RawHints(sampling_rate=250, lead_count=2,
                                                 sample_type="int16"))  # fmt: skip
    result = analyse(reader, keep_r_peaks=True)
    truth = true_r_peaks(reader.sample_count, 250, bpm=72)
    assert result.beat_count == len(truth)
    assert np.abs(result.r_peaks - truth).max() <= 2
    period_bpm = 250 * 60 / 208  # 72 bpm rounds to a 208-sample period
    assert result.mean_bpm == pytest.approx(period_bpm)
    assert result.min_bpm == pytest.approx(period_bpm)
    assert result.max_bpm == pytest.approx(period_bpm)


def test_flat_signal_has_no_beats_and_no_rate(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(np.zeros((5000, 2), dtype="<i2").tobytes())
    reader = open_recording(path, hints=RawHints(sampling_rate=250, lead_count=2,
                                                 sample_type="int16"))  # fmt: skip
    result = analyse(reader)
    assert result.beat_count == 0
    assert result.mean_bpm is None and result.min_bpm is None and result.max_bpm is None
