"""WFDB records (PhysioNet) uploaded as one zip holding the `.hea` header and its `.dat` files.

Written from the WFDB header(5) and signal(5) format descriptions. Supported sample formats:
16 (int16 LE), 61 (int16 BE), 80 (offset-binary bytes), 212 (two 12-bit samples in three
bytes, used by the MIT-BIH databases) and 32 (int32 LE). Multi-segment records and signals
with several samples per frame are refused with a reason.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO

import numpy as np

from ecg.errors import UnreadableRecording
from ecg.recording import RecordingReader, millivolts_per_unit

DEFAULT_ADC_GAIN = 200.0  # counts per mV when the header gives none, as WFDB itself assumes

_FORMAT_TOKEN = re.compile(r"^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$")
_GAIN_TOKEN = re.compile(r"^([-+\d.eE]+)(?:\((-?\d+)\))?(?:/(\S+))?$")
_FREQUENCY_TOKEN = re.compile(r"^([\d.eE+-]+)(?:/[\d.eE+-]+)?(?:\([-\d.]+\))?$")


@dataclass(frozen=True)
class _SampleFormat:
    """How many bytes `samples` interleaved samples occupy, and how to decode them."""

    code: int

    def byte_range(self, first_sample: int, sample_count: int) -> tuple[int, int, int]:
        """(byte offset, byte length, samples to drop at the front) covering the samples."""
        if self.code == 212:  # pairs of samples share three bytes: start on a pair
            aligned = first_sample - first_sample % 2
            pairs = (first_sample + sample_count - aligned + 1) // 2
            return aligned // 2 * 3, pairs * 3, first_sample - aligned
        width = {16: 2, 61: 2, 80: 1, 32: 4}[self.code]
        return first_sample * width, sample_count * width, 0

    def decode(self, data: bytes) -> np.ndarray:
        if self.code == 212:
            triples = np.frombuffer(data[: len(data) - len(data) % 3], dtype=np.uint8)
            triples = triples.reshape(-1, 3).astype(np.int32)
            first = triples[:, 0] | ((triples[:, 1] & 0x0F) << 8)
            second = triples[:, 2] | ((triples[:, 1] & 0xF0) << 4)
            values = np.column_stack((first, second)).reshape(-1)
            return np.where(values >= 2048, values - 4096, values)
        if self.code == 80:
            return np.frombuffer(data, dtype=np.uint8).astype(np.int32) - 128
        dtype = {16: "<i2", 61: ">i2", 32: "<i4"}[self.code]
        return np.frombuffer(data[: len(data) - len(data) % np.dtype(dtype).itemsize], dtype)

    def bytes_for(self, sample_count: int) -> int:
        return self.byte_range(0, sample_count)[1]


@dataclass(frozen=True)
class _Signal:
    file_name: str
    sample_format: _SampleFormat
    byte_offset: int
    gain: float
    baseline: int
    unit_scale: float
    description: str


@dataclass(frozen=True)
class _Header:
    sampling_rate: float
    sample_count: int | None
    start_time: datetime | None
    signals: list[_Signal]


def _parse_start_time(tokens: list[str]) -> datetime | None:
    """WFDB writes "hh:mm:ss[.sss] dd/mm/yyyy"; a time without a date anchors nothing."""
    if len(tokens) < 2:
        return None
    try:
        clock = datetime.strptime(tokens[0].split(".")[0], "%H:%M:%S")
        day = datetime.strptime(tokens[1], "%d/%m/%Y")
    except ValueError:
        return None
    return day.replace(hour=clock.hour, minute=clock.minute, second=clock.second)


def _parse_signal_line(line: str, index: int) -> _Signal:
    tokens = line.split()
    if len(tokens) < 2:
        raise UnreadableRecording(f"WFDB signal line {index + 1} is incomplete")
    form = _FORMAT_TOKEN.match(tokens[1])
    if not form:
        raise UnreadableRecording(f"WFDB signal line {index + 1} has no valid format")
    code = int(form.group(1))
    if code not in (16, 61, 80, 212, 32):
        raise UnreadableRecording(f"WFDB sample format {code} is not supported")
    if form.group(2) and int(form.group(2)) != 1:
        raise UnreadableRecording("WFDB signals with several samples per frame are not supported")
    gain, baseline, unit = DEFAULT_ADC_GAIN, None, "mV"
    if len(tokens) > 2:
        gain_match = _GAIN_TOKEN.match(tokens[2])
        if not gain_match:
            raise UnreadableRecording(f"WFDB signal line {index + 1} has an invalid gain")
        gain = float(gain_match.group(1)) or DEFAULT_ADC_GAIN
        baseline = int(gain_match.group(2)) if gain_match.group(2) else None
        unit = gain_match.group(3) or "mV"
    adc_zero = int(tokens[4]) if len(tokens) > 4 and tokens[4].lstrip("-").isdigit() else 0
    return _Signal(
        file_name=tokens[0],
        sample_format=_SampleFormat(code),
        byte_offset=int(form.group(4) or 0),
        gain=gain,
        baseline=adc_zero if baseline is None else baseline,
        unit_scale=millivolts_per_unit(unit) or 1.0,
        description=" ".join(tokens[8:]) or f"lead {index + 1}",
    )


def parse_header(text: str) -> _Header:
    """The record line and one line per signal; comment lines start with '#'."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        raise UnreadableRecording("WFDB header is empty")
    record = lines[0].split()
    if len(record) < 2 or not record[1].isdigit():
        raise UnreadableRecording("WFDB header has no valid record line")
    if "/" in record[0]:
        raise UnreadableRecording("multi-segment WFDB records are not supported")
    signal_count = int(record[1])
    frequency = _FREQUENCY_TOKEN.match(record[2]) if len(record) > 2 else None
    if len(record) > 2 and not frequency:
        raise UnreadableRecording("WFDB header has an invalid sampling frequency")
    sampling_rate = float(frequency.group(1)) if frequency else 250.0  # WFDB's own default
    sample_count = int(record[3]) if len(record) > 3 and record[3].isdigit() else None
    if len(lines) < 1 + signal_count:
        raise UnreadableRecording(
            f"WFDB header declares {signal_count} signals but describes fewer"
        )
    signals = [_parse_signal_line(lines[1 + index], index) for index in range(signal_count)]
    return _Header(sampling_rate, sample_count or None, _parse_start_time(record[4:6]), signals)


class _ZipMember:
    """Byte ranges of one member; stored members are read in place, deflated ones streamed."""

    def __init__(self, zip_path: Path, info: zipfile.ZipInfo) -> None:
        self._zip_path = zip_path
        self._info = info
        self.size = info.file_size
        self._stored_offset = self._find_stored_offset() if not info.compress_type else None
        self._stream: IO[bytes] | None = None
        self._stream_archive: zipfile.ZipFile | None = None
        self._stream_position = 0

    def _find_stored_offset(self) -> int:
        """Where an uncompressed member's bytes start: after its local file header."""
        with open(self._zip_path, "rb") as handle:
            handle.seek(self._info.header_offset)
            local = handle.read(30)
        if local[:4] != b"PK\x03\x04":
            raise UnreadableRecording("the zip archive is corrupt")
        name_length = int.from_bytes(local[26:28], "little")
        extra_length = int.from_bytes(local[28:30], "little")
        return self._info.header_offset + 30 + name_length + extra_length

    def read(self, offset: int, length: int) -> bytes:
        if self._stored_offset is not None:
            with open(self._zip_path, "rb") as handle:
                handle.seek(self._stored_offset + offset)
                return handle.read(length)
        return self._read_deflated(offset, length)

    def _read_deflated(self, offset: int, length: int) -> bytes:
        """Keeps one decompressing stream so sequential windows cost one pass in total."""
        if self._stream is None or offset < self._stream_position:
            self.close()
            self._stream_archive = zipfile.ZipFile(self._zip_path)
            self._stream = self._stream_archive.open(self._info)
            self._stream_position = 0
        while self._stream_position < offset:  # skip forward in bounded steps
            skipped = self._stream.read(min(offset - self._stream_position, 1 << 20))
            if not skipped:
                return b""
            self._stream_position += len(skipped)
        data = self._stream.read(length)
        self._stream_position += len(data)
        return data

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._stream_archive is not None:
            self._stream_archive.close()
        self._stream = self._stream_archive = None


def _find_header_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    headers = [
        info
        for info in archive.infolist()
        if info.filename.lower().endswith(".hea")
        and not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
    ]
    if not headers:
        raise UnreadableRecording("the zip archive holds no WFDB header (.hea)")
    if len(headers) > 1:
        raise UnreadableRecording("the zip archive holds several WFDB records; upload one")
    if headers[0].file_size > 1 << 20:
        raise UnreadableRecording("the WFDB header is implausibly large")
    return headers[0]


class WfdbZipReader(RecordingReader):
    """A WFDB record whose header and signal files travel together in one zip upload."""

    def __init__(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                header_info = _find_header_member(archive)
                text = archive.read(header_info).decode("latin-1")
                header = parse_header(text)
                folder = PurePosixPath(header_info.filename).parent
                members = self._signal_members(archive, folder, header)
        # zipfile raises NotImplementedError for compression methods it cannot read.
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
            raise UnreadableRecording("the zip archive is corrupt") from None
        self._members = {name: _ZipMember(path, info) for name, info in members.items()}
        # Signals sharing a .dat file are interleaved frame by frame within it.
        self._files = list(dict.fromkeys(signal.file_name for signal in header.signals))
        self._signals = header.signals
        sample_count = header.sample_count or self._samples_in_smallest_file()
        for name in self._files:
            self._check_length(name, sample_count)
        super().__init__(
            format="wfdb",
            sampling_rate=header.sampling_rate,
            lead_names=[signal.description for signal in header.signals],
            sample_count=sample_count,
            start_time=header.start_time,
            gains=[signal.gain / signal.unit_scale for signal in header.signals],
        )

    @staticmethod
    def _signal_members(
        archive: zipfile.ZipFile, folder: PurePosixPath, header: _Header
    ) -> dict[str, zipfile.ZipInfo]:
        by_name = {info.filename: info for info in archive.infolist()}
        members = {}
        for signal in header.signals:
            wanted = str(folder / signal.file_name) if str(folder) != "." else signal.file_name
            if wanted not in by_name:
                raise UnreadableRecording(
                    f"the zip archive lacks the signal file {signal.file_name}"
                )
            members[signal.file_name] = by_name[wanted]
        return members

    def _file_signals(self, name: str) -> list[_Signal]:
        return [signal for signal in self._signals if signal.file_name == name]

    def _file_columns(self, name: str) -> list[int]:
        return [index for index, signal in enumerate(self._signals) if signal.file_name == name]

    def _samples_in_smallest_file(self) -> int:
        counts = []
        for name in self._files:
            signals = self._file_signals(name)
            usable = self._members[name].size - signals[0].byte_offset
            per_byte = 2 / 3 if signals[0].sample_format.code == 212 else None
            width = {16: 2, 61: 2, 80: 1, 32: 4}.get(signals[0].sample_format.code, 1)
            samples = int(usable * per_byte) if per_byte else usable // width
            counts.append(samples // len(signals))
        return min(counts)

    def _check_length(self, name: str, sample_count: int) -> None:
        signals = self._file_signals(name)
        needed = signals[0].byte_offset + signals[0].sample_format.bytes_for(
            sample_count * len(signals)
        )
        if self._members[name].size < needed:
            raise UnreadableRecording(
                f"WFDB header declares {sample_count} samples but {name} is truncated"
            )

    def _read(self, start: int, count: int) -> np.ndarray:
        out = np.empty((count, len(self._signals)), dtype=np.float32)
        for name in self._files:
            signals = self._file_signals(name)
            width = len(signals)
            sample_format = signals[0].sample_format
            offset, length, drop = sample_format.byte_range(start * width, count * width)
            data = self._members[name].read(signals[0].byte_offset + offset, length)
            counts = sample_format.decode(data)[drop : drop + count * width]
            frames = counts.reshape(count, width)
            for position, column in enumerate(self._file_columns(name)):
                signal = self._signals[column]
                out[:, column] = (frames[:, position] - signal.baseline) * (
                    signal.unit_scale / signal.gain
                )
        return out

    def close(self) -> None:
        for member in self._members.values():
            member.close()
