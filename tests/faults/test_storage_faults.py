"""Storage that is really full or read-only during an upload: a JSON error, no row, no file.

Uses a small tmpfs mounted for the test (needs root, as in CI; skipped where mounting is not
allowed).
"""

import subprocess

import pytest

from recordings.models import Recording
from tests.factories import upload_fields

pytestmark = pytest.mark.django_db

STORAGE_FULL = (
    b'{"detail":"Recording storage is unavailable (full or read-only). Nothing was stored."}'
)


@pytest.fixture
def small_media_root(settings, tmp_path):
    mount_point = tmp_path / "small-media"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = mount_point
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def files_in(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_full_disk_mid_upload_gives_503_and_leaves_nothing(
    api, owner_token, patient, small_media_root
):
    r = api.post("/api/post_data", upload_fields(owner_token, content=b"7" * 2_000_000))
    assert (r.status_code, r.content) == (503, STORAGE_FULL)
    assert not Recording.objects.exists()
    assert files_in(small_media_root) == []
    # Room for a small recording is still there afterwards: nothing was left taking space.
    r = api.post("/api/post_data", upload_fields(owner_token, content=b"1,2\n" * 1000))
    assert r.content == b'"SUCCESS"'


def test_a_read_only_storage_gives_503_and_stores_nothing(
    api, owner_token, patient, small_media_root
):
    subprocess.run(["mount", "-o", "remount,ro", str(small_media_root)], check=True)
    r = api.post("/api/post_data", upload_fields(owner_token, content=b"1,2\n" * 1000))
    assert (r.status_code, r.content) == (503, STORAGE_FULL)
    assert not Recording.objects.exists()
    assert files_in(small_media_root) == []
