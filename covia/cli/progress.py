"""A progress bar for content transfers, drawn on stderr when it is a terminal and
rich is installed; elsewhere transfers run silently and the command reports the result
when they end."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from covia.cli.render import Output

__all__ = ["Meter", "transfer_progress"]


class Meter:
    """``meter(n)`` as each ``n`` bytes move; ``meter.set_total(n)`` once the size is
    known (a download learns it from the venue's ``Content-Length``)."""

    def __init__(
        self,
        advance: Callable[[int], None] = lambda n: None,
        set_total: Callable[[int | None], None] = lambda n: None,
    ) -> None:
        self._advance = advance
        self.set_total = set_total

    def __call__(self, n: int) -> None:
        self._advance(n)


@contextlib.contextmanager
def transfer_progress(out: Output, description: str, total: int | None) -> Iterator[Meter]:
    """Yields a ``Meter``; ``total`` may be unknown (None) until ``set_total``."""
    console = out.err_console
    if console is None or not out.err_terminal:
        yield Meter()
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        redirect_stdout=False,
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int) -> None:
            progress.advance(task, n)

        def set_total(size: int | None) -> None:
            if size is not None:
                progress.update(task, total=size)

        yield Meter(advance, set_total)
