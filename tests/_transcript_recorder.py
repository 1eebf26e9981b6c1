"""A pytest plugin that records every transcript the readers are asked to read (a copy of the
file and the reader's arguments), so that tests/test_parity_transcripts.py can read the same
inputs with the Python oracle and the Rust readers. Active only when VG_RECORD_TRANSCRIPTS
names a directory; loaded with `-p _transcript_recorder`."""
from __future__ import annotations

import itertools
import json
import os
import shutil

OUT = os.environ.get("VG_RECORD_TRANSCRIPTS")
MAX_COPY = 4 << 20  # bigger inputs (a 20 MB record) are left out
_count = itertools.count()


def _record(path, display_path, fmt, keywords, max_record_bytes) -> None:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_COPY:
            return
        case = os.path.join(OUT, "%05d" % next(_count))
        copy = os.path.join(case, "f", os.path.abspath(path).lstrip("/"))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copyfile(path, copy)
        with open(os.path.join(case, "case.json"), "w") as f:
            json.dump({"path": copy, "display_path": display_path, "fmt": fmt, "keywords": keywords,
                       "max_record_bytes": max_record_bytes}, f)
    except OSError:
        pass


def pytest_configure(config):
    if not OUT:
        return
    import vitana_guard.transcripts as transcripts

    real = transcripts._core

    class _Recording:
        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def TranscriptReader(path, display_path, fmt=None, keywords=None, max_record_bytes=None):  # noqa: N802
            _record(path, display_path, fmt, keywords, max_record_bytes)
            return real.TranscriptReader(path, display_path, fmt, keywords, max_record_bytes)

    transcripts._core = _Recording()
