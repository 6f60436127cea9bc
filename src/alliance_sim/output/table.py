"""A trajectories table on disk, read a few columns at a time, and written piece by piece.

A run of 100,000 replicates x 36 months is 3.7 million rows; held whole it
takes over a gigabyte. Saved runs therefore stream: the table is written
one piece (a checkpoint chunk) at a time, as Parquet row groups
(``pyarrow.parquet.ParquetWriter``) or appended CSV, and summaries and
figures read back only the columns (and months) they use. ``StoredTable``
is that read side; ``write_pieces`` the write side.

Pieces are DataFrames of the tidy table (``abm.recorder.frame``), so the
file reads back exactly as one written whole with ``DataFrame.to_parquet``:
the same columns, dtypes and values.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

TABLE_NAME = "trajectories"
SUFFIXES = (".parquet", ".csv")


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return False
    return True


def write_pieces(pieces: Iterable, folder, name: str = TABLE_NAME, table_format: str = "parquet") -> Path:
    """Write DataFrames, in order, as one table ``name.parquet`` (a row group each) or ``name.csv``.

    Only one piece is in memory at a time. Parquet pieces must share one
    schema (the first piece's): a later piece that differs is a bug, and
    raises.
    """
    if table_format == "parquet" and not parquet_available():  # pragma: no cover
        table_format = "csv"
    path = Path(folder) / f"{name}.{table_format}"
    if table_format == "csv":
        first = True
        for df in pieces:
            df.to_csv(path, index=False, mode="w" if first else "a", header=first)
            first = False
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for df in pieces:
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise RuntimeError("no pieces to write")  # a bug: every run has at least one chunk
    release_arrow_memory()
    return path


def release_arrow_memory() -> None:
    """Hand memory pyarrow's allocator keeps for reuse back to the system (it would stay with the process)."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - an old pyarrow
        pass


class Pieces:
    """A table not yet written as one file: ``make()`` gives its DataFrames in order (e.g. a run's chunks)."""

    def __init__(self, make):
        self._make = make

    def pieces(self):
        return iter(self._make())


class StoredTable:
    """A trajectories table in one file (``.parquet`` or ``.csv``), read by columns.

    ``read(columns, months=...)`` reads only those columns (and rows of those
    months); ``frame()`` the whole table, as ``results.read_trajectories``
    restores it; ``pieces()`` the table in parts (Parquet row groups), to copy
    it without holding it whole.
    """

    def __init__(self, path):
        self.path = Path(path)
        self._columns = None

    @classmethod
    def in_folder(cls, folder, name: str = TABLE_NAME) -> "StoredTable | None":
        """The table ``name.parquet`` (else ``name.csv``) in ``folder``, or None."""
        for suffix in SUFFIXES:
            path = Path(folder) / f"{name}{suffix}"
            if path.is_file():
                return cls(path)
        return None

    @property
    def is_parquet(self) -> bool:
        return self.path.suffix == ".parquet"

    @property
    def columns(self) -> list[str]:
        """The table's column names (from the Parquet footer, or the CSV header)."""
        if self._columns is None:
            if self.is_parquet:
                import pyarrow.parquet as pq

                self._columns = list(pq.read_schema(self.path).names)
            else:
                import pandas as pd

                self._columns = list(pd.read_csv(self.path, nrows=0).columns)
        return self._columns

    def time_column(self) -> str:
        return "month" if "month" in self.columns else "step"

    def read(self, columns, months=None):
        """A DataFrame of ``columns`` only (in the table's dtypes), and only rows whose month is in ``months``.

        Parquet is read a row group at a time into arrays allocated once, so
        reading a column takes little more memory than the column itself
        (``pyarrow.parquet.read_table`` holds several copies at its peak).
        """
        import pandas as pd

        columns = list(dict.fromkeys(columns))
        t = self.time_column()
        if self.is_parquet:
            return self._read_parquet(columns, months)
        chunks = []
        usecols = list(dict.fromkeys(columns + ([t] if months is not None else [])))
        dates = ["date"] if "date" in usecols else False
        for part in pd.read_csv(self.path, usecols=usecols, parse_dates=dates, chunksize=500_000):
            if months is not None:
                part = part[part[t].isin(list(months))]
            chunks.append(part[columns])
        df = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
        return restore_dtypes(df)

    def _read_parquet(self, columns, months=None):
        import numpy as np
        import pandas as pd
        import pyarrow.parquet as pq

        t = self.time_column()
        f = pq.ParquetFile(self.path)
        wanted = np.asarray(sorted(int(m) for m in months)) if months is not None else None
        read = list(dict.fromkeys(columns + ([t] if wanted is not None else [])))
        parts: dict[str, list] = {c: [] for c in columns}
        out: dict[str, np.ndarray] = {}
        kinds: dict[str, object] = {}
        at = 0
        for i in range(f.num_row_groups):
            piece = restore_dtypes(f.read_row_group(i, columns=read).to_pandas())
            rows = np.isin(piece[t].to_numpy(), wanted) if wanted is not None else None
            for c in columns:
                col = piece[c]
                if isinstance(col.dtype, pd.CategoricalDtype):
                    kinds[c] = col.dtype
                    values = col.cat.codes.to_numpy()
                else:
                    values = col.to_numpy()
                if rows is not None:
                    parts[c].append(values[rows])
                else:  # the whole column: filled in place
                    if c not in out:
                        out[c] = np.empty(f.metadata.num_rows, dtype=values.dtype)
                    out[c][at:at + values.size] = values
            at += len(piece)
            del piece
        if wanted is not None:
            out = {c: (np.concatenate(parts[c]) if parts[c] else np.empty(0)) for c in columns}
        if not f.num_row_groups:
            return restore_dtypes(f.read(columns=columns).to_pandas())
        data = {c: (pd.Categorical.from_codes(out[c], dtype=kinds[c]) if c in kinds else out[c]) for c in columns}
        release_arrow_memory()
        return pd.DataFrame(data, copy=False)

    def month_rows(self):
        """``[(month, rows), ...]`` (rows: a slice) when every replicate has the same months in one order.

        Checked once over the file's month column, a row group at a time, and
        kept; None when the table is laid out otherwise (figures then group by
        month). Lets a figure read a metric's column alone.
        """
        if getattr(self, "_month_rows", False) is not False:
            return self._month_rows
        import numpy as np

        t = self.time_column()
        first = None
        h = at = 0
        ok = True
        for piece in self._month_pieces(t):
            if first is None:
                repeat = np.flatnonzero(piece[1:] == piece[0])
                h = int(repeat[0]) + 1 if repeat.size else piece.size
                first = piece[:h].copy()
                ok = np.unique(first).size == h
            expect = np.take(first, (np.arange(piece.size) + at) % h) if ok else None
            if not ok or not np.array_equal(piece, expect):
                ok = False
                break
            at += piece.size
        ok = ok and first is not None and at % h == 0
        self._month_rows = sorted((int(m), slice(j, None, h)) for j, m in enumerate(first)) if ok else None
        return self._month_rows

    def _month_pieces(self, t: str):
        if self.is_parquet:
            import pyarrow.parquet as pq

            f = pq.ParquetFile(self.path)
            for i in range(f.num_row_groups):
                yield f.read_row_group(i, columns=[t]).column(0).to_numpy()
        else:
            import pandas as pd

            for part in pd.read_csv(self.path, usecols=[t], chunksize=500_000):
                yield part[t].to_numpy()

    def months(self) -> list[int]:
        """The months recorded (those of the first replicate: every replicate has the same)."""
        first = self.first_rows([self.time_column()])
        return sorted(int(m) for m in first[self.time_column()].unique())

    def first_rows(self, columns):
        """The rows of the table's first piece (a few replicates), for what every replicate shares."""
        if self.is_parquet:
            import pyarrow.parquet as pq

            return _restore(pq.ParquetFile(self.path).read_row_group(0, columns=list(columns)).to_pandas())
        import pandas as pd

        cols = list(columns)
        return _restore(pd.read_csv(self.path, usecols=cols, nrows=10_000,
                                    parse_dates=["date"] if "date" in cols else False))

    def pieces(self):
        """The whole table in parts, in order (Parquet row groups; CSV in blocks of rows)."""
        if self.is_parquet:
            import pyarrow.parquet as pq

            f = pq.ParquetFile(self.path)
            for i in range(f.num_row_groups):
                yield _restore(f.read_row_group(i).to_pandas())
        else:
            import pandas as pd

            for part in pd.read_csv(self.path, parse_dates=["date"], chunksize=500_000):
                yield _restore(part)

    def frame(self):
        """The whole table in memory."""
        import pandas as pd

        if self.is_parquet:
            return restore_dtypes(pd.read_parquet(self.path))
        return restore_dtypes(pd.read_csv(self.path, parse_dates=["date"]))

    def __repr__(self) -> str:
        return f"<StoredTable {self.path}>"


def restore_dtypes(df):
    """Action columns as categoricals with every label, dates as ``datetime64[ns]`` (as the run made them)."""
    import pandas as pd

    from ..abm.recorder import action_categories
    from ..domain.metrics import action_columns

    for col in action_columns():
        if col in df.columns:
            cats = action_categories(col.removeprefix("action_"))
            if not isinstance(df[col].dtype, pd.CategoricalDtype) or list(df[col].cat.categories) != cats:
                df[col] = pd.Categorical(df[col].astype("object").where(df[col].notna(), None), categories=cats)
    if "date" in df.columns and df["date"].dtype != "datetime64[ns]":
        df["date"] = df["date"].astype("datetime64[ns]")
    return df


_restore = restore_dtypes
