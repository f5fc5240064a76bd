"""Delimited text: one row per sample, one numeric column per lead, values in mV.

The dialect (delimiter, decimal comma, header row, time column) is sniffed from the first
64 KiB. Opening makes one streaming pass that counts rows and remembers the byte offset of every
`INDEX_STRIDE`-th row, so any window is later parsed from the nearest remembered offset without
reading the file from the start or keeping it in memory.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from ecg.errors import UnreadableRecording
from ecg.recording import RawHints, RecordingReader, generic_lead_names

SNIFF_BYTES = 64 * 1024
INDEX_STRIDE = 4096
_MIN_DATA_ROWS = 2
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:nan|inf)$", re.I)
_DELIMITERS: tuple[str | None, ...] = (",", ";", "\t", None)  # None: runs of whitespace
_SECONDS_COLUMNS = {"time", "t", "timestamp", "sec", "secs", "seconds", "s", "time_s", "time (s)"}
_MILLISECONDS_COLUMNS = {"ms", "time_ms", "time (ms)", "millis", "milliseconds", "t_ms"}
_INDEX_COLUMNS = {"sample", "samples", "index", "idx", "n", "#", "sample #", "sample_index"}


@dataclass(frozen=True)
class CsvDialect:
    """What sniffing learned about the text layout."""

    delimiter: str | None
    decimal_comma: bool
    column_count: int
    header: list[str] | None
    #: Column holding time or a sample index (dropped from the leads), if any.
    clock_column: int | None = None
    #: Seconds per sample implied by the clock column, when it is a time column.
    clock_step_seconds: float | None = None


def _is_data_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _split(line: str, delimiter: str | None) -> list[str]:
    return [token.strip() for token in line.strip().split(delimiter)]


def _numeric(tokens: list[str], decimal_comma: bool) -> bool:
    if decimal_comma:
        tokens = [token.replace(",", ".") for token in tokens]
    return all(_NUMBER.match(token) for token in tokens)


def _choose_layout(rows: list[str]) -> tuple[str | None, bool, int] | None:
    """The delimiter that splits every sniffed row into the same, largest number of numbers."""
    best: tuple[str | None, bool, int] | None = None
    for delimiter in _DELIMITERS:
        for decimal_comma in (False, True) if delimiter != "," else (False,):
            counts = set()
            for row in rows:
                tokens = _split(row, delimiter)
                if not _numeric(tokens, decimal_comma):
                    break
                counts.add(len(tokens))
            else:
                if len(counts) == 1 and (best is None or counts.pop() > best[2]):
                    best = (delimiter, decimal_comma, len(_split(rows[0], delimiter)))
    return best


def _clock_column(header: list[str] | None) -> tuple[int | None, float | None]:
    """(column index, seconds per clock unit) of a time or sample-index column named in the
    header; a sample index has no time unit, so it yields None for the scale."""
    for index, name in enumerate(header or []):
        lowered = name.strip().strip('"').lower()
        if lowered in _SECONDS_COLUMNS:
            return index, 1.0
        if lowered in _MILLISECONDS_COLUMNS:
            return index, 1e-3
        if lowered in _INDEX_COLUMNS:
            return index, None
    return None, None


def sniff_csv(head: bytes) -> CsvDialect | None:
    """The dialect of text that looks like numeric ECG columns, or None when it does not."""
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the sniff boundary
        if error.start < len(head) - 4:
            return None
        text = head[: error.start].decode("utf-8-sig")
    lines = text.splitlines()
    if len(head) >= SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut by the sniff boundary
    rows = [line for line in lines if _is_data_line(line)][:64]
    if not rows:
        return None
    header_line = None
    if not any(_numeric(_split(rows[0], d), c) for d in _DELIMITERS for c in (False, True)):
        header_line, rows = rows[0], rows[1:]
    if len(rows) < _MIN_DATA_ROWS:
        return None
    layout = _choose_layout(rows)
    if layout is None:
        return None
    delimiter, decimal_comma, column_count = layout
    header = None
    if header_line is not None:
        header = [name.strip().strip('"') for name in _split(header_line, delimiter)]
        if len(header) != column_count:
            return None
    clock, clock_unit = _clock_column(header)
    step = None
    if clock is not None and clock_unit is not None:
        times = np.array([float(_split(row, delimiter)[clock].replace(",", ".")) for row in rows])
        deltas = np.diff(times)
        if deltas.size and np.all(deltas > 0):
            step = float(np.median(deltas)) * clock_unit
    return CsvDialect(delimiter, decimal_comma, column_count, header, clock, step)


class CsvReader(RecordingReader):
    """Numeric columns as leads; see the module docstring for how rows are found cheaply."""

    def __init__(self, path: Path, dialect: CsvDialect, hints: RawHints | None) -> None:
        hints = hints or RawHints()
        self._path = path
        self._dialect = dialect
        self._lead_columns = [
            column for column in range(dialect.column_count) if column != dialect.clock_column
        ]
        if not self._lead_columns:
            raise UnreadableRecording("the CSV file has a time column but no leads")
        self._row_offsets, row_count = self._index_rows()
        names = self._lead_names(hints)
        rate = hints.sampling_rate
        if not rate and dialect.clock_step_seconds:
            rate = 1.0 / dialect.clock_step_seconds
        super().__init__(
            format="csv",
            sampling_rate=rate or hints.default_csv_sampling_rate,
            lead_names=names,
            sample_count=row_count,
        )

    def _lead_names(self, hints: RawHints) -> list[str]:
        if hints.lead_names:
            if len(hints.lead_names) != len(self._lead_columns):
                raise UnreadableRecording("the lead names given do not match the CSV columns")
            return list(hints.lead_names)
        if self._dialect.header:
            return [self._dialect.header[column] for column in self._lead_columns]
        return generic_lead_names(len(self._lead_columns))

    def _index_rows(self) -> tuple[list[int], int]:
        """Byte offsets of every INDEX_STRIDE-th data row, the row count, and a check that the
        last row is complete (a cut upload usually ends mid-row)."""
        offsets: list[int] = []
        count = 0
        position = 0
        last_row = b""
        header_pending = self._dialect.header is not None
        with open(self._path, "rb") as handle:
            for raw_line in handle:
                if _is_data_line_bytes(raw_line):
                    if header_pending:
                        header_pending = False
                    else:
                        if count % INDEX_STRIDE == 0:
                            offsets.append(position)
                        count += 1
                        last_row = raw_line
                position += len(raw_line)
        if count == 0:
            raise UnreadableRecording("the CSV file holds no data rows")
        self._parse_rows([last_row.decode("utf-8", errors="replace")], count - 1)
        return offsets, count

    def _iter_rows_from(self, handle: IO[bytes]) -> Iterator[str]:
        for raw_line in handle:
            if _is_data_line_bytes(raw_line):
                yield raw_line.decode("utf-8-sig", errors="replace")

    def _read(self, start: int, count: int) -> np.ndarray:
        stride_index = start // INDEX_STRIDE
        with open(self._path, "rb") as handle:
            handle.seek(self._row_offsets[stride_index])
            rows = self._iter_rows_from(handle)
            wanted = itertools.islice(rows, start - stride_index * INDEX_STRIDE, None)
            lines = list(itertools.islice(wanted, count))
        values = self._parse_rows(lines, start)
        return values[:, self._lead_columns].astype(np.float32)

    def _parse_rows(self, lines: list[str], first_row: int) -> np.ndarray:
        if self._dialect.decimal_comma:
            lines = [line.replace(",", ".") for line in lines]
        try:
            values = np.loadtxt(lines, delimiter=self._dialect.delimiter, dtype=np.float64, ndmin=2)
        except ValueError:
            raise UnreadableRecording(
                f"CSV rows from row {first_row + 1} are not {self._dialect.column_count} numbers"
                " (truncated or corrupt file?)"
            ) from None
        if values.shape[1] != self._dialect.column_count:
            raise UnreadableRecording(f"CSV row {first_row + 1} has the wrong number of columns")
        return values


def _is_data_line_bytes(raw_line: bytes) -> bool:
    stripped = raw_line.strip()
    return bool(stripped) and not stripped.startswith(b"#")
