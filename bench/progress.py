"""Progress on stderr for long work: a rich bar on a terminal, plain lines otherwise.

Plain lines (`[3/33 0:01:12] fcn8s: done`) are what a log file, CI or `--json` (whose stdout
is one JSON object) can use; they go to stderr always, at most one every `every_s` seconds for
per-item ticks, and always for starts, ends and failures. No torch import here.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from catalog.term import esc


class Progress:
    """`with Progress(total, "sweep") as p: p.start(name); ...; p.done(name, "ok")`."""

    def __init__(self, total: int, title: str, *, completed: int = 0,
                 stream: TextIO | None = None, bar: bool | None = None, every_s: float = 5.0):
        self.total, self.title, self.completed = total, title, completed
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.t0 = time.monotonic()
        self._last_tick = 0.0
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self._rich = None
        if bar if bar is not None else isatty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      console=Console(file=self.stream), transient=False)
            self._task = None

    def __enter__(self) -> Progress:
        if self._rich is not None:
            self._rich.__enter__()
            self._task = self._rich.add_task(esc(self.title), total=self.total,
                                             completed=self.completed)
        return self

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)

    def _stamp(self) -> str:
        s = int(time.monotonic() - self.t0)
        return f"[{self.completed}/{self.total} {s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}]"

    def line(self, msg: str) -> None:
        """A message that is always shown (above the bar on a terminal)."""
        if self._rich is not None:
            self._rich.console.print(esc(msg), highlight=False)
        else:
            print(f"{self._stamp()} {msg}", file=self.stream, flush=True)

    def start(self, name: str) -> None:
        if self._rich is not None:
            self._rich.update(self._task, description=esc(f"{self.title}: {name}"))
        else:
            self.line(f"{name}: started")

    def tick(self, msg: str) -> None:
        """A status update that may be dropped (rate-limited in plain mode)."""
        now = time.monotonic()
        if self._rich is not None:
            self._rich.update(self._task, description=esc(f"{self.title}: {msg}"))
        elif now - self._last_tick >= self.every_s:
            self._last_tick = now
            self.line(msg)

    def done(self, name: str, outcome: str = "done") -> None:
        self.completed += 1
        if self._rich is not None:
            self._rich.advance(self._task)
            if outcome != "done":
                self.line(f"{name}: {outcome}")
        else:
            self.line(f"{name}: {outcome}")
