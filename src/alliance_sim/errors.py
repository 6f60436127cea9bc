"""One exception type for bad user input.

The CLI prints a ``UserError`` as a single line (no traceback) and exits 2;
the Python API lets it propagate. Messages name the file (where there is
one), the key and what is allowed.
"""


class UserError(ValueError):
    """Bad input from the user: a scenario file, an override, a flag."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        where = ": ".join(p for p in (file, key) if p)
        super().__init__(f"{where}: {message}" if where else message)
