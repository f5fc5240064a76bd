"""Understanding uploaded ECG recordings: formats, heart rate, previews and paper plots.

Pure Python (numpy, pydicom for DICOM, Pillow for PNG); no Django, so a background task can
call it with a local file path:

    reader = open_recording(path, hints=RawHints(sampling_rate=1000))
    result = analyse(reader)
    build_summary(reader, summary_path)
    preview(summary_path, 0, reader.duration_seconds, 1000)
    png = render(reader, start_s=0)
"""

from __future__ import annotations

from ecg.analysis import HeartRateResult, analyse
from ecg.detect import ALGORITHM_NAME, ALGORITHM_VERSION, detect_r_peaks, iter_r_peaks
from ecg.errors import UnreadableRecording
from ecg.formats import FORMATS, detect_format, open_recording
from ecg.plot import render
from ecg.preview import build_summary, preview
from ecg.recording import RawHints, RecordingReader

__all__ = [
    "ALGORITHM_NAME",
    "ALGORITHM_VERSION",
    "FORMATS",
    "HeartRateResult",
    "RawHints",
    "RecordingReader",
    "UnreadableRecording",
    "analyse",
    "build_summary",
    "detect_format",
    "detect_r_peaks",
    "iter_r_peaks",
    "open_recording",
    "preview",
    "render",
]
