"""DICOM waveform objects (12-lead, general and ambulatory ECG), read with pydicom.

pydicom parses the dataset once to learn the channels; the samples themselves are then reached
through a memory map at the byte offset pydicom reports for Waveform Data, so windows stay small.
(pydicom does load the dataset's values while parsing, so opening a DICOM file briefly costs its
size in memory; DICOM ECG files are small by design, a few MB for a resting ECG.)
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ecg.errors import UnreadableRecording
from ecg.recording import RecordingReader, millivolts_per_unit

WAVEFORM_DATA_TAG = 0x54001010
_SAMPLE_DTYPES = {("SS", 16): "i2", ("US", 16): "u2", ("SB", 8): "i1", ("UB", 8): "u1"}
# Implicit LE, explicit LE and explicit BE: the only syntaxes whose bytes can be mapped in place.
_UNCOMPRESSED_SYNTAXES = {
    "1.2.840.10008.1.2": "<",
    "1.2.840.10008.1.2.1": "<",
    "1.2.840.10008.1.2.2": ">",
}
# Groups that hold one averaged beat rather than the recording itself.
_NON_RHYTHM_GROUPS = ("MEDIAN", "AVERAGE", "REPRESENTATIVE")


def looks_like_dicom(head: bytes) -> bool:
    """Part 10 files carry a 128-byte preamble and the magic "DICM"."""
    return len(head) >= 132 and head[128:132] == b"DICM"


def _lead_name(channel: Any, index: int) -> str:
    """ "Lead I (Einthoven)" -> "I", "Lead aVR" -> "aVR"; falls back to a generic name."""
    try:
        meaning = str(channel.ChannelSourceSequence[0].CodeMeaning)
    except (AttributeError, IndexError):
        return f"lead {index + 1}"
    meaning = re.sub(r"\s*\(.*\)\s*$", "", meaning).strip()
    meaning = re.sub(r"^lead\s+", "", meaning, flags=re.IGNORECASE)
    return meaning or f"lead {index + 1}"


def _channel_mv_per_count(channel: Any) -> tuple[float, float]:
    """(mV per count, baseline in counts); DICOM's value is (stored + baseline) x sensitivity."""
    sensitivity = float(getattr(channel, "ChannelSensitivity", 1.0) or 1.0)
    correction = float(getattr(channel, "ChannelSensitivityCorrectionFactor", 1.0) or 1.0)
    baseline = float(getattr(channel, "ChannelBaseline", 0.0) or 0.0)
    unit = "uV"  # the unit almost every ECG device uses, when the file names none
    with contextlib.suppress(AttributeError, IndexError):
        unit = str(channel.ChannelSensitivityUnitsSequence[0].CodeValue)
    scale = millivolts_per_unit(unit)
    if scale is None:
        raise UnreadableRecording(f"DICOM channel unit {unit!r} is not a voltage")
    return sensitivity * correction * scale, baseline


def _start_time(dataset: Any, group: Any) -> datetime | None:
    stamp = str(getattr(dataset, "AcquisitionDateTime", "") or "")
    if not stamp:
        stamp = str(getattr(dataset, "ContentDate", "") or "") + str(
            getattr(dataset, "ContentTime", "") or ""
        )
    try:
        start = datetime.strptime(stamp.split(".")[0][:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    offset_ms = float(getattr(group, "MultiplexGroupTimeOffset", 0) or 0)
    return start + timedelta(milliseconds=offset_ms)


def _pick_rhythm_group(dataset: Any) -> int:
    """The longest multiplex group that is not a median/average beat."""
    groups = list(dataset.WaveformSequence)
    candidates = [
        index
        for index, group in enumerate(groups)
        if not any(
            word in str(getattr(group, "MultiplexGroupLabel", "")).upper()
            for word in _NON_RHYTHM_GROUPS
        )
    ] or list(range(len(groups)))
    return max(candidates, key=lambda index: int(groups[index].NumberOfWaveformSamples))


class DicomReader(RecordingReader):
    """The rhythm multiplex group of a DICOM waveform object, in mV."""

    def __init__(self, path: Path) -> None:
        import pydicom  # imported here: only DICOM uploads pay for it
        from pydicom.errors import InvalidDicomError

        try:
            dataset = pydicom.dcmread(path, defer_size=1024)
            if "WaveformSequence" not in dataset or not len(dataset.WaveformSequence):
                raise UnreadableRecording("the DICOM file holds no ECG waveform")
            index = _pick_rhythm_group(dataset)
            group = dataset.WaveformSequence[index]
            self._configure(path, dataset, group)
        except UnreadableRecording:
            raise
        except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, AttributeError):
            raise UnreadableRecording("the DICOM file is corrupt or truncated") from None

    def _configure(self, path: Path, dataset: Any, group: Any) -> None:
        channel_count = int(group.NumberOfWaveformChannels)
        sample_count = int(group.NumberOfWaveformSamples)
        key = (str(group.WaveformSampleInterpretation), int(group.WaveformBitsAllocated))
        if key not in _SAMPLE_DTYPES:
            raise UnreadableRecording(f"DICOM waveform sample encoding {key} is not supported")
        syntax = str(dataset.file_meta.TransferSyntaxUID)
        if syntax not in _UNCOMPRESSED_SYNTAXES:
            raise UnreadableRecording(f"DICOM transfer syntax {syntax} is not supported")
        endian = _UNCOMPRESSED_SYNTAXES[syntax]
        self._dtype = np.dtype(endian + _SAMPLE_DTYPES[key])
        raw_element = group.get_item(WAVEFORM_DATA_TAG)
        if raw_element is None or getattr(raw_element, "value_tell", None) is None:
            raise UnreadableRecording("the DICOM waveform has no sample data")
        needed = sample_count * channel_count * self._dtype.itemsize
        if raw_element.length < needed or raw_element.length == 0xFFFFFFFF:
            raise UnreadableRecording(
                f"DICOM waveform declares {sample_count} samples but its data is truncated"
            )
        if path.stat().st_size < raw_element.value_tell + needed:
            raise UnreadableRecording("the DICOM file is truncated")
        channels = list(group.ChannelDefinitionSequence)[:channel_count]
        scales = [_channel_mv_per_count(channel) for channel in channels]
        self._path = path
        self._data_offset = int(raw_element.value_tell)
        self._channel_count = channel_count
        self._mv_per_count = np.array([scale for scale, _ in scales])
        self._baselines = np.array([baseline for _, baseline in scales])
        super().__init__(
            format="dicom",
            sampling_rate=float(group.SamplingFrequency),
            lead_names=[_lead_name(channel, index) for index, channel in enumerate(channels)],
            sample_count=sample_count,
            start_time=_start_time(dataset, group),
            gains=[float(1.0 / scale) if scale else 0.0 for scale in self._mv_per_count],
        )

    def _read(self, start: int, count: int) -> np.ndarray:
        frames = np.memmap(
            self._path,
            dtype=self._dtype,
            mode="r",
            offset=self._data_offset + start * self._channel_count * self._dtype.itemsize,
            shape=(count, self._channel_count),
        )
        return ((frames + self._baselines) * self._mv_per_count).astype(np.float32)
