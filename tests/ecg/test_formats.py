"""Format recognition from bytes, metadata, windowed reading, and refusals with reasons."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from ecg import RawHints, UnreadableRecording, detect_format, open_recording
from ecg.readers.wfdb import parse_header
from ecg.synthetic import edf_header, synthetic_ecg, write_edf, write_raw_int16, write_wfdb_zip
from tests.ecg.conftest import MITDB_100, PTB_CSV

PTB_HINTS = RawHints(sampling_rate=1000)


def _unreadable_reason(path: Path, hints: RawHints | None = None) -> str:
    with pytest.raises(UnreadableRecording) as caught:
        reader = open_recording(path, hints=hints)
        for _ in reader.windows(60):
            pass
    assert caught.value.reason
    return caught.value.reason


def test_ptb_csv_without_header_gets_generic_names_and_hinted_rate(ptb_csv):
    reader = open_recording(ptb_csv, hints=PTB_HINTS)
    assert reader.format == "csv"
    assert reader.sampling_rate == 1000
    assert reader.sample_count == 10_000
    assert reader.duration_seconds == pytest.approx(10.0)
    assert reader.lead_names == [f"lead {n}" for n in range(1, 16)]
    assert reader.units == "mV"
    assert reader.start_time is None
    first = reader.read(0, 1)[0]
    assert first[0] == pytest.approx(-0.107)
    assert first[14] == pytest.approx(0.0745)


def test_csv_without_rate_hint_uses_the_documented_default(ptb_csv):
    assert open_recording(ptb_csv).sampling_rate == 500
    custom = RawHints(default_csv_sampling_rate=250)
    assert open_recording(ptb_csv, hints=custom).sampling_rate == 250


def test_csv_lead_names_can_be_given_as_hints(ptb_csv):
    names = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    names += ("vx", "vy", "vz")
    reader = open_recording(ptb_csv, hints=RawHints(sampling_rate=1000, lead_names=names))
    assert reader.lead_names == list(names)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1,0.2\n0.3,0.4\n0.5,0.6\n", [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
        ("0,1;0,2\n0,3;0,4\n0,5;0,6\n", [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
        ("0.1\t0.2\n0.3\t0.4\n0.5\t0.6\n", [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
        ("  0.1   0.2\n0.3 0.4\n\n0.5  0.6\n", [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
        ("0.1;0.2\r\n0.3;0.4\r\n0.5;0.6", [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
    ],
    ids=["comma", "semicolon-decimal-comma", "tab", "whitespace", "crlf-no-final-newline"],
)
def test_csv_delimiters_are_sniffed(tmp_path, text, expected):
    path = tmp_path / "upload"
    path.write_text(text)
    reader = open_recording(path)
    assert reader.format == "csv"
    np.testing.assert_allclose(reader.read(0, 10), expected, rtol=1e-6)


def test_csv_header_names_leads_and_time_column_gives_the_rate(tmp_path):
    rows = "\n".join(f"{n * 4},{n / 10},{-n / 10}" for n in range(100))
    path = tmp_path / "upload"
    path.write_text("time_ms,II,V5\n" + rows + "\n")
    reader = open_recording(path)
    assert reader.lead_names == ["II", "V5"]
    assert reader.sampling_rate == pytest.approx(250)
    assert reader.sample_count == 100
    np.testing.assert_allclose(reader.read(99, 1), [[9.9, -9.9]], rtol=1e-6)


def test_csv_reads_any_window_from_the_row_index(tmp_path):
    values = np.arange(30_000, dtype=np.float64).reshape(-1, 2) / 1000
    path = tmp_path / "upload"
    np.savetxt(path, values, delimiter=",", fmt="%.3f")
    reader = open_recording(path)
    np.testing.assert_allclose(reader.read(9_000, 3), values[9_000:9_003], rtol=1e-6)
    starts = [start for start, _ in reader.windows(7.3)]
    assert starts == list(range(0, 15_000, 3_650))
    assert sum(len(window) for _, window in reader.windows(7.3)) == 15_000


def test_wfdb_212_zip_reads_record_100_metadata_and_samples(mitdb_100_zip):
    reader = open_recording(mitdb_100_zip)
    assert reader.format == "wfdb"
    assert reader.sampling_rate == 360
    assert reader.lead_names == ["MLII", "V5"]
    assert reader.sample_count == 650_000
    assert reader.gains == [200.0, 200.0]
    # 100.hea: initial values 995 and 1011, baseline 1024, gain 200 counts/mV
    np.testing.assert_allclose(reader.read(0, 1)[0], [(995 - 1024) / 200, (1011 - 1024) / 200])


def test_wfdb_stored_and_deflated_zips_read_the_same_window(tmp_path, mitdb_100_zip):
    stored = tmp_path / "stored"
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        archive.write(MITDB_100 / "100.hea", "record/100.hea")
        archive.write(MITDB_100 / "100.dat", "record/100.dat")
    deflated = open_recording(mitdb_100_zip).read(123_457, 1000)
    np.testing.assert_array_equal(open_recording(stored).read(123_457, 1000), deflated)


@pytest.mark.parametrize("sample_format", [16, 212])
def test_wfdb_formats_round_trip_within_one_count(tmp_path, sample_format):
    samples = synthetic_ecg(0, 1001, sampling_rate=250, lead_count=3)
    path = write_wfdb_zip(
        tmp_path / "upload",
        samples,
        sampling_rate=250,
        sample_format=sample_format,
        baseline=-12,
        lead_names=["I", "II", "V1"],
        base_time="08:15:30 24/12/2023",
    )
    reader = open_recording(path)
    assert reader.lead_names == ["I", "II", "V1"]
    assert reader.start_time == datetime(2023, 12, 24, 8, 15, 30)
    np.testing.assert_allclose(reader.read(0, 1001), samples, atol=0.5 / 200 + 1e-6)
    np.testing.assert_allclose(reader.read(333, 5), samples[333:338], atol=0.5 / 200 + 1e-6)


def test_wfdb_header_parser_reads_gain_baseline_and_units():
    header = parse_header("r 1 500 10 12:00:00 01/02/2020\nr.dat 16 1000(5)/uV 16 0 0 0 0 aVF\n")
    signal = header.signals[0]
    assert (header.sampling_rate, header.sample_count) == (500.0, 10)
    assert (signal.gain, signal.baseline, signal.unit_scale) == (1000.0, 5, 1e-3)
    assert signal.description == "aVF"


def test_edf_header_and_samples(tmp_path):
    path = write_edf(tmp_path / "upload", seconds=5, sampling_rate=200, lead_count=2)
    reader = open_recording(path)
    assert reader.format == "edf"
    assert reader.sampling_rate == 200
    assert reader.lead_names == ["ECG1", "ECG2"]
    assert reader.sample_count == 1000
    assert reader.start_time == datetime(2024, 1, 1, 8, 30, 0)
    expected = synthetic_ecg(0, 1000, sampling_rate=200, lead_count=2)
    np.testing.assert_allclose(reader.read(0, 1000), expected, atol=0.0006)
    np.testing.assert_allclose(reader.read(150, 300), expected[150:450], atol=0.0006)


def test_dicom_12_lead_metadata(dicom_ecg):
    reader = open_recording(dicom_ecg)
    assert reader.format == "dicom"
    assert reader.sampling_rate == 1000
    assert reader.sample_count == 10_000
    assert reader.lead_names == [
        "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
    ]  # fmt: skip
    assert reader.start_time == datetime(2013, 1, 25, 10, 59, 19)
    import pydicom

    expected = pydicom.dcmread(dicom_ecg).waveform_array(0)[:50] / 1000  # uV -> mV
    np.testing.assert_allclose(reader.read(0, 50), expected, rtol=1e-6)


def test_raw_int16_is_read_only_with_complete_hints(tmp_path):
    path = write_raw_int16(tmp_path / "upload", seconds=2, sampling_rate=250, lead_count=3)
    assert _unreadable_reason(path) == "not a recognised ECG format"
    hints = RawHints(sampling_rate=250, lead_count=3, sample_type="int16")
    reader = open_recording(path, hints=hints)
    assert (reader.format, reader.sample_count, reader.lead_count) == ("raw", 500, 3)
    expected = synthetic_ecg(0, 500, sampling_rate=250, lead_count=3)
    np.testing.assert_allclose(reader.read(0, 500), expected, atol=0.0006)


def test_raw_float32_with_hints(tmp_path):
    samples = synthetic_ecg(0, 100, sampling_rate=100, lead_count=2)
    path = tmp_path / "upload"
    path.write_bytes(samples.astype("<f4").tobytes())
    hints = RawHints(sampling_rate=100, lead_count=2, sample_type="float32")
    np.testing.assert_array_equal(open_recording(path, hints=hints).read(0, 100), samples)


def test_format_is_recognised_from_bytes_not_the_file_name(tmp_path, dicom_ecg):
    misleading = tmp_path / "recording.csv"
    shutil.copy(dicom_ecg, misleading)
    assert detect_format(misleading) == "dicom"
    assert open_recording(misleading).format == "dicom"


def test_windows_cover_every_sample_once(mitdb_100_zip):
    reader = open_recording(mitdb_100_zip)
    starts, total = [], 0
    for start, window in reader.windows(100):
        assert window.dtype == np.float32
        assert window.shape[1] == 2
        starts.append(start)
        total += len(window)
    assert total == reader.sample_count
    assert starts[:3] == [0, 36_000, 72_000]


# --- refusals: every broken upload yields UnreadableRecording with a reason ---------------


def test_garbage_bytes_are_not_a_recognised_format(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(np.random.default_rng(1).bytes(5000))
    assert _unreadable_reason(path) == "not a recognised ECG format"


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"")
    assert _unreadable_reason(path) == "the file is empty"


def test_prose_is_not_csv(tmp_path):
    path = tmp_path / "upload"
    path.write_text("Dear doctor,\nplease find my ECG attached.\nRegards\n")
    assert _unreadable_reason(path) == "not a recognised ECG format"


def test_truncated_csv_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(PTB_CSV.read_bytes()[:50_003])
    assert "CSV" in _unreadable_reason(path, PTB_HINTS)


def test_edf_with_truncated_signal_headers_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(edf_header(10, 100, [f"ECG{n}" for n in range(12)])[:1000])
    assert _unreadable_reason(path) == "EDF header declares 12 signals but the file is truncated"


def test_edf_with_truncated_data_is_refused(tmp_path):
    full = write_edf(tmp_path / "full", seconds=10, sampling_rate=100, lead_count=2).read_bytes()
    path = tmp_path / "upload"
    path.write_bytes(full[:-150])
    assert "declares 10 data records but the file is truncated" in _unreadable_reason(path)


def test_edf_with_garbage_numbers_is_refused(tmp_path):
    header = bytearray(edf_header(10, 100, ["ECG"]))
    header[236:244] = b"ten     "
    path = tmp_path / "upload"
    path.write_bytes(bytes(header) + b"\0" * 2000)
    assert "not a number" in _unreadable_reason(path)


def test_truncated_wfdb_dat_is_refused(tmp_path):
    path = tmp_path / "upload"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(MITDB_100 / "100.hea", "100.hea")
        archive.writestr("100.dat", (MITDB_100 / "100.dat").read_bytes()[:100_000])
    assert "100.dat is truncated" in _unreadable_reason(path)


def test_zip_without_header_is_refused(tmp_path):
    path = tmp_path / "upload"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert _unreadable_reason(path) == "the zip archive holds no WFDB header (.hea)"


def test_zip_missing_its_dat_is_refused(tmp_path):
    path = tmp_path / "upload"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(MITDB_100 / "100.hea", "100.hea")
    assert _unreadable_reason(path) == "the zip archive lacks the signal file 100.dat"


def test_cut_zip_is_refused(tmp_path, mitdb_100_zip):
    path = tmp_path / "upload"
    path.write_bytes(mitdb_100_zip.read_bytes()[:400_000])
    assert _unreadable_reason(path) == "the zip archive is corrupt"


def test_truncated_dicom_is_refused(tmp_path, dicom_ecg):
    path = tmp_path / "upload"
    path.write_bytes(dicom_ecg.read_bytes()[:100_000])
    assert "DICOM" in _unreadable_reason(path)


def test_dicom_without_waveform_is_refused(tmp_path):
    import pydicom.data

    image = Path(pydicom.data.get_testdata_file("CT_small.dcm"))
    assert _unreadable_reason(image) == "the DICOM file holds no ECG waveform"


def test_raw_with_a_partial_frame_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"\x01\x02" * 7)
    hints = RawHints(sampling_rate=250, lead_count=2, sample_type="int16")
    assert "not a whole number" in _unreadable_reason(path, hints)
