"""A progress bar for content transfers, drawn on stderr when it is a terminal and
rich is installed; elsewhere transfers run silently and the command reports the result
when they end."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from covia.cli.render import Output

__all__ = ["transfer_progress"]


@contextlib.contextmanager
def transfer_progress(
    out: Output, description: str, total: int | None
) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``, to call as each ``n`` bytes move; ``total`` may be
    unknown (None)."""
    console = out.err_console
    if console is None or not out.err_terminal:
        yield lambda n: None
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

        yield advance
