"""Paths to the real recordings, and the MIT-BIH record zipped as a device would upload it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pydicom.data
import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
MITDB_100 = DATA / "mitdb-100"
PTB_CSV = DATA / "ptb-s0273lre-10s-1000hz-15lead.csv"


@pytest.fixture(scope="session")
def mitdb_100_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mitdb") / "upload.bin"  # the name says nothing
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(MITDB_100 / "100.hea", "100.hea")
        archive.write(MITDB_100 / "100.dat", "100.dat")
    return path


@pytest.fixture(scope="session")
def dicom_ecg() -> Path:
    return Path(pydicom.data.get_testdata_file("waveform_ecg.dcm"))


@pytest.fixture
def ptb_csv() -> Path:
    return PTB_CSV
