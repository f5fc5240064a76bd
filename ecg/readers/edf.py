"""EDF and EDF+ (continuous) files: a fixed ASCII header, then int16 data records.

Written from the EDF specification (Kemp et al. 1992) and its EDF+ extension: a 256-byte main
header, 256 bytes per signal, then `record_count` data records each holding, signal after
signal, `samples_per_record[i]` little-endian int16 values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from ecg.errors import UnreadableRecording
from ecg.recording import RecordingReader, millivolts_per_unit

MAIN_HEADER_BYTES = 256
SIGNAL_HEADER_BYTES = 256
ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")

# Field widths of the per-signal header, in the order the specification lists them; each field
# is stored for all signals before the next field starts.
_SIGNAL_FIELDS = (
    ("label", 16),
    ("transducer", 80),
    ("physical_dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefiltering", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)


def looks_like_edf(head: bytes) -> bool:
    """EDF starts with version "0" padded to 8 bytes, then printable ASCII header text."""
    return (
        len(head) >= MAIN_HEADER_BYTES
        and head[:8] == b"0       "
        and all(32 <= byte < 127 for byte in head[8:MAIN_HEADER_BYTES])
    )


@dataclass(frozen=True)
class _EdfSignal:
    label: str
    unit: str
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    samples_per_record: int
    offset_in_record: int  # in int16 words

    @property
    def is_annotation(self) -> bool:
        return self.label in ANNOTATION_LABELS

    def _unit_scale(self) -> float:
        """Most ECG EDFs say uV or mV; a missing or non-voltage unit is taken as mV."""
        return millivolts_per_unit(self.unit) or 1.0

    def mv_per_count(self) -> float:
        span = (self.physical_max - self.physical_min) / (self.digital_max - self.digital_min)
        return span * self._unit_scale()

    def mv_at_zero_count(self) -> float:
        """The linear map of the specification: digital_min maps to physical_min."""
        return self.physical_min * self._unit_scale() - self.digital_min * self.mv_per_count()


def _ascii_field(raw: bytes) -> str:
    return raw.decode("ascii", errors="replace").strip()


def _number(raw: bytes, what: str) -> float:
    text = _ascii_field(raw)
    try:
        return float(text)
    except ValueError:
        raise UnreadableRecording(f"EDF header field {what} is not a number ({text!r})") from None


def _parse_start_time(date_field: bytes, time_field: bytes) -> datetime | None:
    """dd.mm.yy and hh.mm.ss; years 85-99 are 19xx, others 20xx, as the specification says."""
    try:
        day, month, year = (int(part) for part in _ascii_field(date_field).split("."))
        hour, minute, second = (int(part) for part in _ascii_field(time_field).split("."))
        return datetime(year + (1900 if year >= 85 else 2000), month, day, hour, minute, second)
    except ValueError:
        return None


def _parse_signals(header: bytes, signal_count: int) -> list[_EdfSignal]:
    fields: dict[str, list[bytes]] = {}
    position = MAIN_HEADER_BYTES
    for name, width in _SIGNAL_FIELDS:
        fields[name] = [
            header[position + index * width : position + (index + 1) * width]
            for index in range(signal_count)
        ]
        position += width * signal_count
    signals = []
    offset = 0
    for index in range(signal_count):
        samples = int(_number(fields["samples_per_record"][index], "samples per record"))
        digital_min = int(_number(fields["digital_min"][index], "digital minimum"))
        digital_max = int(_number(fields["digital_max"][index], "digital maximum"))
        if samples < 1 or digital_max <= digital_min:
            raise UnreadableRecording(f"EDF signal {index + 1} has an impossible header")
        signals.append(
            _EdfSignal(
                label=_ascii_field(fields["label"][index]),
                unit=_ascii_field(fields["physical_dimension"][index]),
                physical_min=_number(fields["physical_min"][index], "physical minimum"),
                physical_max=_number(fields["physical_max"][index], "physical maximum"),
                digital_min=digital_min,
                digital_max=digital_max,
                samples_per_record=samples,
                offset_in_record=offset,
            )
        )
        offset += samples
    return signals


class EdfReader(RecordingReader):
    """Reads the ECG signals of an EDF/EDF+C file through a memory map of its data records.

    Annotation signals are skipped, and so are signals sampled slower than the fastest one
    (e.g. a 1 Hz battery channel), since the API offers one sampling rate per recording; their
    labels are kept in `skipped_signals`.
    """

    def __init__(self, path: Path) -> None:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            main_header = handle.read(MAIN_HEADER_BYTES)
            if not looks_like_edf(main_header):
                raise UnreadableRecording("not a recognised ECG format")
            signal_count = int(_number(main_header[252:256], "number of signals"))
            header_bytes = MAIN_HEADER_BYTES + SIGNAL_HEADER_BYTES * signal_count
            if signal_count < 1:
                raise UnreadableRecording("EDF header declares no signals")
            if size < header_bytes:
                raise UnreadableRecording(
                    f"EDF header declares {signal_count} signals but the file is truncated"
                )
            header = main_header + handle.read(header_bytes - MAIN_HEADER_BYTES)
        if _ascii_field(main_header[192:236]).startswith("EDF+D"):
            raise UnreadableRecording("discontinuous EDF+D recordings are not supported")
        declared_records = int(_number(main_header[236:244], "number of data records"))
        record_seconds = _number(main_header[244:252], "duration of a data record")
        if record_seconds <= 0:
            raise UnreadableRecording("EDF data records have no duration")
        signals = _parse_signals(header, signal_count)
        record_words = sum(signal.samples_per_record for signal in signals)
        available_records = (size - header_bytes) // (record_words * 2)
        if declared_records < 0:  # -1 means "unknown", allowed while a device is recording
            declared_records = available_records
        if available_records < declared_records:
            raise UnreadableRecording(
                f"EDF header declares {declared_records} data records but the file is truncated"
            )
        ecg_signals = [signal for signal in signals if not signal.is_annotation]
        if not ecg_signals:
            raise UnreadableRecording("EDF file holds only annotations, no signals")
        fastest = max(signal.samples_per_record for signal in ecg_signals)
        kept = [signal for signal in ecg_signals if signal.samples_per_record == fastest]
        self.skipped_signals = [signal.label for signal in ecg_signals if signal not in kept]
        self._path = path
        self._data_offset = header_bytes
        self._record_count = declared_records
        self._record_words = record_words
        self._samples_per_record = fastest
        self._columns = kept
        self._scales = np.array([signal.mv_per_count() for signal in kept], dtype=np.float64)
        self._offsets = np.array([signal.mv_at_zero_count() for signal in kept])
        super().__init__(
            format="edf",
            sampling_rate=fastest / record_seconds,
            lead_names=[signal.label or f"lead {index + 1}" for index, signal in enumerate(kept)],
            sample_count=declared_records * fastest,
            start_time=_parse_start_time(main_header[168:176], main_header[176:184]),
            gains=[float(1.0 / scale) if scale else 0.0 for scale in self._scales],
        )

    def _read(self, start: int, count: int) -> np.ndarray:
        first_record = start // self._samples_per_record
        last_record = (start + count - 1) // self._samples_per_record
        records = np.memmap(
            self._path,
            dtype="<i2",
            mode="r",
            offset=self._data_offset + first_record * self._record_words * 2,
            shape=(last_record - first_record + 1, self._record_words),
        )
        out = np.empty((count, len(self._columns)), dtype=np.float32)
        skip = start - first_record * self._samples_per_record
        for column, signal in enumerate(self._columns):
            words = records[
                :, signal.offset_in_record : signal.offset_in_record + signal.samples_per_record
            ].reshape(-1)
            counts = words[skip : skip + count]
            out[:, column] = counts * self._scales[column] + self._offsets[column]
        return out
