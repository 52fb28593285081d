"""Where the CLI writes, and how: data on stdout, everything else on stderr.

Data is a table, a list of fields, a JSON block or, with ``--json``, one JSON document
that scripts can parse. Notes, errors, live job displays and progress bars go to stderr,
so ``covia … > file`` captures only the data.

``rich`` (the ``cli`` extra) draws the tables and colours; without it the same output
comes as aligned plain text. Text that comes from a venue is never read as rich markup.

Nor does it reach the terminal as control sequences: a venue's name, an operation's
description or an error line could carry escapes that retitle the window, clear the
screen, recolour or overwrite what was printed (a carriage return), or reorder it
(bidirectional overrides). Everything written goes through ``terminal_safe`` (each
such character shown as a visible escape, backslash x 1b), and JSON through
``json_safe`` (the same characters as JSON escapes, so the document parses to
exactly the same value).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output", "dumps", "json_safe", "rich_module", "terminal_safe"]

# Width of tables written to a pipe or a file: wide enough that a 64-digit id and a
# name stay on one line, as scripts reading the table expect.
PIPE_WIDTH = 220


# What a terminal may act on rather than show: C0 controls but tab and newline, DEL,
# C1 controls (0x9b is a one-byte CSI), bidirectional marks and overrides, and the
# Unicode line and paragraph separators.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal would act on shown as an escape."""
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def json_safe(document: str) -> str:
    """JSON text with the same characters written as JSON escapes (backslash u and
    four hex digits). In JSON the CLI writes they can only stand inside strings, where
    the escape means the same."""
    return _UNSAFE.sub(_json_escape, document) if _UNSAFE.search(document) else document


def rich_module() -> ModuleType | None:
    """``rich`` if it is installed (and importable), else None."""
    try:
        import rich.console
        import rich.table
        import rich.text
    except ImportError:
        return None
    return rich


def dumps(value: Any) -> str:
    """``value`` as the indented JSON the CLI prints."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


class Output:
    """The CLI's two streams. ``json_mode`` is ``--json``; ``use_rich=False`` forces
    plain text; ``err_terminal`` overrides whether stderr is taken for a terminal (live
    displays and progress bars are drawn only there)."""

    def __init__(
        self,
        *,
        json_mode: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        use_rich: bool | None = None,
        err_terminal: bool | None = None,
    ) -> None:
        self.json_mode = json_mode
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.out_terminal = _is_terminal(self.stdout)
        self.err_terminal = err_terminal if err_terminal is not None else _is_terminal(self.stderr)
        self.rich = rich_module() if use_rich is not False else None
        self._out: Console | None = None
        self._err: Console | None = None
        if self.rich is not None:
            from rich.console import Console

            self._out = Console(
                file=self.stdout,
                highlight=False,
                width=None if self.out_terminal else PIPE_WIDTH,
            )
            self._err = Console(
                file=self.stderr,
                highlight=False,
                force_terminal=self.err_terminal,
                force_interactive=self.err_terminal,
            )

    @property
    def err_console(self) -> Console | None:
        """The rich console on stderr (None without rich)."""
        return self._err

    # -- data (stdout) -------------------------------------------------------------------

    def json(self, value: Any) -> None:
        self.stdout.write(json_safe(dumps(value)) + "\n")
        self.stdout.flush()

    def json_line(self, value: Any) -> None:
        """``value`` as compact JSON on one line (streams of records, JSON Lines)."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        self.stdout.write(json_safe(text) + "\n")
        self.stdout.flush()

    def line(self, text: str = "") -> None:
        """One line of plain text on stdout (control characters shown as escapes)."""
        self.stdout.write(terminal_safe(text) + "\n")
        self.stdout.flush()

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        title: str | None = None,
        caption: str | None = None,
    ) -> None:
        if self._out is not None:
            from rich.table import Table
            from rich.text import Text

            table = Table(
                title=Text(terminal_safe(title)) if title else None,
                caption=Text(terminal_safe(caption)) if caption else None,
                title_justify="left",
            )
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(Text(terminal_safe(cell)) for cell in row))
            self._out.print(table)
            return
        rows = [[terminal_safe(cell) for cell in row] for row in rows]
        widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
        if title:
            self.line(title)
        header = "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))
        self.line(header.rstrip())
        for row in rows:
            self.line(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        if caption:
            self.line(caption)

    def fields(self, pairs: Sequence[tuple[str, str]], *, title: str | None = None) -> None:
        """Named values, one per line."""
        shown = [(name, value) for name, value in pairs if value]
        if self._out is not None:
            from rich.table import Table
            from rich.text import Text

            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold")
            grid.add_column(overflow="fold")
            for name, value in shown:
                grid.add_row(Text(terminal_safe(name)), Text(terminal_safe(value)))
            if title:
                self._out.print(Text(terminal_safe(title), style="bold underline"))
            self._out.print(grid)
            return
        if title:
            self.line(title)
        shown = [(terminal_safe(name), terminal_safe(value)) for name, value in shown]
        width = max((len(name) for name, _ in shown), default=0)
        for name, value in shown:
            self.line(f"{name.ljust(width)}  {value}")

    def document(self, title: str, value: Any) -> None:
        """A JSON value under a heading (an input schema, an output)."""
        if self._out is not None:
            from rich.text import Text

            self._out.print(Text(terminal_safe(title), style="bold"))
            # Not rich's JSON: it re-encodes strings with their control characters raw.
            self._out.print(Text(json_safe(dumps(value))))
            return
        self.line(title)
        self.stdout.write(json_safe(dumps(value)) + "\n")
        self.stdout.flush()

    # -- messages (stderr) ---------------------------------------------------------------

    def done(self, record: Any, text: str) -> None:
        """What an action did: ``record`` as JSON under ``--json``, else ``text`` as a note."""
        if self.json_mode:
            self.json(record)
        else:
            self.note(text)

    def note(self, text: str) -> None:
        """A message for the person at the terminal (stderr)."""
        if self._err is not None:
            from rich.text import Text

            self._err.print(
                Text(terminal_safe(text), style="dim" if self.err_terminal else ""),
                soft_wrap=True,
            )
        else:
            self.stderr.write(terminal_safe(text) + "\n")
            self.stderr.flush()

    def error(self, text: str) -> None:
        """The one line a failure prints."""
        if self._err is not None:
            from rich.text import Text

            self._err.print(
                Text.assemble(("covia: ", "bold red"), terminal_safe(text)), soft_wrap=True
            )
        else:
            self.stderr.write(f"covia: {terminal_safe(text)}\n")
            self.stderr.flush()
