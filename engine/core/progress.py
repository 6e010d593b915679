"""A progress line on stderr for long runs: shown when stderr is a terminal (or when asked),
and only once a run has lasted long enough to be worth watching."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


@dataclass
class Progress:
    what: str
    force: bool = False            # show even when stderr is not a terminal (--progress)
    after: float = 0.5             # seconds before the first line
    stream: object = field(default=None, repr=False)
    _start: float = field(default_factory=time.monotonic, repr=False)
    _last: float = field(default=0.0, repr=False)
    _shown: bool = field(default=False, repr=False)

    def __call__(self, done: int, total: int) -> None:
        stream = self.stream or sys.stderr
        if not (self.force or getattr(stream, "isatty", lambda: False)()):
            return
        now = time.monotonic()
        if now - self._start < (0 if self.force else self.after) or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r{self.what}: [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"
                     f" ({now - self._start:.1f} s)")
        self._shown = True
        if done >= total:
            stream.write("\n")
        stream.flush()
