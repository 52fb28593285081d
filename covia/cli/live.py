"""A job shown while it runs: a line for each status change with the time since the
command started following it, and, on a terminal with rich, a spinner line below them
that keeps the elapsed time ticking. Everything goes to stderr."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from covia.cli.formats import one_line
from covia.cli.render import Output
from covia_proto.models import JobRecord

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live
    from rich.spinner import Spinner

__all__ = ["JobDisplay"]


class JobDisplay:
    """Use as a context manager; call ``update(record)`` with each record seen."""

    def __init__(
        self, out: Output, job_id: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._out = out
        self._job_id = job_id
        self._clock = clock
        self._started = clock()
        self._status: str | None = None
        self._live: Live | None = None
        self._spinner: Spinner | None = None

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def __enter__(self) -> JobDisplay:
        return self

    def _start_live(self) -> None:
        """The ticking line, once there is a status to show."""
        console = self._out.err_console
        if console is None or not self._out.err_terminal or self._spinner is not None:
            return
        from rich.live import Live
        from rich.spinner import Spinner

        self._spinner = Spinner("dots")
        self._live = Live(
            console=console,
            get_renderable=self._render,
            refresh_per_second=8,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        self._spinner = None

    def _render(self) -> RenderableType:
        from rich.text import Text

        assert self._spinner is not None
        self._spinner.update(text=Text(f" job {self._job_id} {self._status}  {self.elapsed:.1f}s"))
        return self._spinner

    def update(self, record: JobRecord) -> None:
        """Show ``record`` if its status differs from the last one shown."""
        status = record.status.value
        if status == self._status:
            return
        self._status = status
        if self._out.json_mode:  # scripts read the JSON; stderr carries errors only
            return
        line = f"job {self._job_id} {status} ({self.elapsed:.1f}s)"
        detail = record.error or record.message
        if detail:
            line += f": {one_line(detail)}"
        self._out.note(line)
        if not record.is_finished:
            self._start_live()
