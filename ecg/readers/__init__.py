"""One reader per upload format; `ecg.formats.open_recording` picks between them."""
