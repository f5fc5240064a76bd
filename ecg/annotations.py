"""Reference beat annotations in the MIT format (WFDB `.atr` files), to score the detector.

Written from the WFDB annotation format description: a stream of 16-bit little-endian words,
each with a 6-bit code (high bits) and a 10-bit value (low bits). Codes 1-49 are annotations
whose value is the time since the previous one; 59 (SKIP) adds a 32-bit interval stored
high word first; 60-62 (NUM, SUB, CHN) set fields without moving time; 63 (AUX) is followed by
`value` bytes of text padded to an even length; a zero word ends the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SKIP, NUM, SUB, CHN, AUX = 59, 60, 61, 62, 63

#: Codes WFDB counts as beats (its `isqrs` table): N L R a V F J A S E j / Q B e n f r.
BEAT_CODES = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 34, 35, 38, 41})


@dataclass(frozen=True)
class Annotation:
    sample: int
    code: int

    @property
    def is_beat(self) -> bool:
        return self.code in BEAT_CODES


def parse_mit_annotations(data: bytes) -> list[Annotation]:
    """All annotations in an MIT-format annotation file, in time order."""
    annotations: list[Annotation] = []
    time = 0
    position = 0
    while position + 2 <= len(data):
        word = int.from_bytes(data[position : position + 2], "little")
        position += 2
        code, value = word >> 10, word & 0x3FF
        if code == 0 and value == 0:
            break
        if code == SKIP:
            high = int.from_bytes(data[position : position + 2], "little")
            low = int.from_bytes(data[position + 2 : position + 4], "little")
            interval = (high << 16) | low
            time += interval - (1 << 32) if interval >= 1 << 31 else interval
            position += 4
        elif code == AUX:
            position += value + (value & 1)
        elif code in (NUM, SUB, CHN):
            continue
        else:
            time += value
            annotations.append(Annotation(time, code))
    return annotations


def read_beat_samples(path: str | Path) -> list[int]:
    """Sample indices of the beat annotations in an `.atr` file."""
    return [item.sample for item in parse_mit_annotations(Path(path).read_bytes()) if item.is_beat]
