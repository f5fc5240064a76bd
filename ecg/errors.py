"""The one error the package lets escape, so callers handle bad uploads in a single place."""

from __future__ import annotations


class UnreadableRecording(Exception):
    """An upload that is not a recognised ECG recording, or that is corrupt or truncated.

    `reason` is a short human sentence that can be shown to the uploader or stored on the
    recording, e.g. "EDF header declares 12 signals but the file is truncated".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
