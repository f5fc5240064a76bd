"""Where recording files live: the `recordings` storage of `settings.STORAGES`.

The server chooses every stored name (a UUID under a date folder); the client's file name is only
metadata. Uploads stream into a temporary file next to the stored files, so that storing one is a
rename on the same file system.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.utils import timezone

INCOMING_FOLDER = ".incoming"


def recording_storage() -> Storage:
    return storages["recordings"]


def new_recording_name() -> str:
    """A fresh stored name, e.g. `recordings/2026/12/04/3f2a....ecg`."""
    return f"recordings/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.ecg"


def incoming_directory() -> Path:
    """The folder for uploads in progress: inside the storage when it is on this file system."""
    storage = recording_storage()
    try:
        directory = Path(storage.path(INCOMING_FOLDER))
    except NotImplementedError:  # object storage: any local folder will do
        directory = Path(settings.FILE_UPLOAD_TEMP_DIR or settings.DATA_DIR / "incoming")
    directory.mkdir(parents=True, exist_ok=True)
    return directory
