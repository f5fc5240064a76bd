"""Benchmark the ECG library on a 10-second and a 24-hour 12-lead recording.

Both are synthetic EDF files at 500 Hz x 12 leads written to a temporary folder (the 24-hour
one is about 1 GB). For each it prints the time to open (parse) the file, to analyse the heart
rate, to build the min/max summary, to answer a full-length and a 10-second preview, and to
render a PNG, plus the process's peak resident memory after each step.

Usage:
    .venv/bin/python bench/ecg_insight.py [--hours 24] [--keep-dir DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ecg import analyse, build_summary, open_recording, preview, render
from ecg.synthetic import write_edf

RATE = 500
LEADS = 12
TWELVE_LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
PREVIEW_POINTS = 1000
Result = TypeVar("Result")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, action: Callable[[], Result]) -> Result:
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"  {label:<28} {elapsed:9.3f} s   peak RSS {peak_rss_mb():7.1f} MB", flush=True)
    return result


def bench_recording(path: Path, folder: Path) -> None:
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {size_mb:.1f} MB", flush=True)
    reader = timed("parse (open_recording)", lambda: open_recording(path))
    print(f"  -> {reader!r}")
    result = timed("analyse", lambda: analyse(reader))
    print(
        f"  -> {result.beat_count} beats, mean {result.mean_bpm:.1f} bpm "
        f"(min {result.min_bpm:.1f}, max {result.max_bpm:.1f})"
    )
    summary = timed("build_summary", lambda: build_summary(reader, folder / f"{path.stem}.sum"))
    print(f"  -> summary {summary.stat().st_size / 1e6:.1f} MB")
    duration = reader.duration_seconds
    whole = timed("preview full length", lambda: preview(summary, 0, duration, PREVIEW_POINTS))
    middle = duration / 2
    short = timed("preview 10 s", lambda: preview(summary, middle, middle + 10, PREVIEW_POINTS))
    print(f"  -> {len(whole['t'])} and {len(short['t'])} points per lead")
    png = timed("render PNG (10 s, 12-lead)", lambda: render(reader, start_s=middle))
    print(f"  -> {len(png) / 1e3:.0f} kB PNG")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--keep-dir", type=Path, default=None)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=arguments.keep_dir) as temporary:
        folder = Path(temporary)
        print(f"baseline peak RSS {peak_rss_mb():.1f} MB")
        short = folder / "ten-seconds.edf"
        write_edf(short, seconds=10, sampling_rate=RATE, lead_count=LEADS, lead_names=TWELVE_LEADS)
        long = folder / "holter.edf"
        seconds = round(arguments.hours * 3600)
        timed(
            f"write {arguments.hours:g} h EDF",
            lambda: write_edf(
                long, seconds=seconds, sampling_rate=RATE, lead_count=LEADS, lead_names=TWELVE_LEADS
            ),
        )
        bench_recording(short, folder)
        bench_recording(long, folder)


if __name__ == "__main__":
    main()
