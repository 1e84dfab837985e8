"""Rich consoles for the ``amts`` commands, built on first use.

Every command, ``amts --help`` included, imports ``bot.cli``; importing ``rich.console`` costs about as much
as typer itself, so the consoles are created only when a command prints. Use them like a ``Console``
(``console.print(...)``); ``.console`` is the real one where an API wants the object (``Progress``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """A ``rich.console.Console(**options)`` made on first use."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.console.print(*objects, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


err_console = LazyConsole(stderr=True)


def error_exit(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: MESSAGE`` as one line on stderr and return the exit to raise (``raise error_exit(...)``)."""
    from rich.text import Text

    from bot.messages import one_line

    err_console.print(Text("error: ", style="bold red") + Text(one_line(message)), highlight=False, soft_wrap=True)
    return typer.Exit(code)
