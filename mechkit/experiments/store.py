"""The durable result store: a directory of Parquet batches plus ``manifest.json``.

Layout of a store directory::

    manifest.json                  experiment, parameters, root seed, versions, git commit, runs
    part-r0000-b000000.parquet     one file per completed batch (written to a temporary
    part-r0000-b000001.parquet     name, flushed, then renamed: a file is whole or absent)
    ...

Each batch file holds the rows of its successful tasks (parameter columns, ``seed``,
``row``, the metrics and a hidden ``_task`` id) and, in its Parquet schema metadata,
the ids of every task it completed and the failures it recorded (parameters, seed,
error type, message, traceback) with provenance.  When a task appears in several files
(a retried failure, or an overlap after a crash) the latest file wins, so loading never
duplicates rows.  Never pickled: every file is Parquet or JSON.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mechkit.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MANIFEST_NAME",
    "load",
    "load_failures",
    "read_manifest",
    "summarize",
]

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".lock"
FORMAT_VERSION = 1
_META_KEY = b"mechkit.batch"
_PART_GLOB = "part-r*-b*.parquet"
_PART_RE = re.compile(r"part-r(\d+)-b(\d+)\.parquet")


def now_iso() -> str:
    """Current UTC time as ISO 8601 text."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary name, fsync, then rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _as_store_path(store: str | os.PathLike[str]) -> Path:
    if not isinstance(store, str | os.PathLike):
        raise InvalidInputError(f"store: must be a path; got {store!r}")
    if not os.fspath(store).strip():  # Path("") is the working directory
        raise InvalidInputError(f"store: must be a non-empty path; got {store!r}")
    return Path(store)


def read_manifest(store: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the parsed ``manifest.json`` of a store.

    Parameters
    ----------
    store : str or path
        A store directory written by :func:`mechkit.experiments.run`.

    Returns
    -------
    dict
        Experiment name, parameter defaults, root seed, creation time, package
        versions, git commit, per-run records (grid, seeds, engine, times, counts) and
        the stored totals.

    Examples
    --------
    >>> read_manifest("/no/such/store")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: store: '/no/such/store' does not exist
    """
    path = _as_store_path(store)
    if not path.exists():
        raise InvalidInputError(f"store: {str(path)!r} does not exist")
    if not path.is_dir():
        raise InvalidInputError(f"store: {str(path)!r} is not a directory")
    man = path / MANIFEST_NAME
    if not man.is_file():
        raise InvalidInputError(
            f"store: {str(path)!r} is not a mechkit result store (no {MANIFEST_NAME})"
        )
    try:
        data = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InvalidInputError(f"store: cannot read {str(man)!r} ({err})") from err
    if not isinstance(data, dict) or "experiment" not in data or "params" not in data:
        raise InvalidInputError(f"store: {str(man)!r} is not a mechkit manifest")
    return data


def write_manifest(store: Path, manifest: Mapping[str, Any]) -> None:
    """Atomically (re)write ``manifest.json``."""
    text = json.dumps(manifest, indent=2, sort_keys=False, allow_nan=False) + "\n"
    atomic_write_bytes(store / MANIFEST_NAME, text.encode("utf-8"))


def git_commit() -> str | None:
    """The git commit of the mechkit checkout, when mechkit runs from one (else ``None``)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip()
    return text if out.returncode == 0 and len(text) == 40 else None


def package_versions(extra: Sequence[str] = ()) -> dict[str, str]:
    """Versions of Python, mechkit and the numerical packages that are installed."""
    import platform
    from importlib import metadata

    import mechkit

    out = {"python": platform.python_version(), "mechkit": mechkit.__version__}
    for name in ("numpy", "scipy", "numba", "pandas", "pyarrow", *extra):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


# --------------------------------------------------------------------------- locking


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _live_owner(lock: Path) -> tuple[int, str] | None:
    """``(pid, host)`` of the process holding ``lock`` if it may still be alive, else ``None``."""
    try:
        owner = json.loads(lock.read_text())
        pid, host = int(owner["pid"]), str(owner["host"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: a crash while writing the lock; treat as stale
    if host != socket.gethostname() or _pid_alive(pid):
        return pid, host
    return None


def check_unlocked(store: Path) -> None:
    """Raise if another live process holds the store's lock (reads only)."""
    owner = _live_owner(store / LOCK_NAME)
    if owner is not None:
        raise InvalidInputError(
            f"store: {str(store)!r} is in use by process {owner[0]} on {owner[1]} (lock file "
            f"{str(store / LOCK_NAME)!r}); if that process is gone, delete the lock file"
        )


@contextlib.contextmanager
def store_lock(store: Path) -> Iterator[None]:
    """Hold ``store/.lock`` for the duration of a run (a stale lock of a dead process is taken over)."""
    lock = store / LOCK_NAME
    me = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    for _attempt in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            check_unlocked(store)
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # stale: its process died
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(me)
        break
    else:  # pragma: no cover - a race with another process taking the stale lock
        raise InvalidInputError(f"store: could not lock {str(store)!r}")
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def remove_stale_temporaries(store: Path) -> int:
    """Delete temporary files left by a run that died mid-write (the caller holds the lock)."""
    count = 0
    for tmp in store.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            count += 1
    return count


# --------------------------------------------------------------------------- batches


def batch_path(store: Path, run: int, batch: int) -> Path:
    """Path of batch ``batch`` of run ``run`` (names sort in write order)."""
    return store / f"part-r{run:04d}-b{batch:06d}.parquet"


def batch_number(path: Path) -> tuple[int, int] | None:
    """``(run, batch)`` of a batch file name, or ``None`` for another name.

    Examples
    --------
    >>> batch_number(Path("part-r0012-b000003.parquet")), batch_number(Path("notes.txt"))
    ((12, 3), None)
    """
    match = _PART_RE.fullmatch(path.name)
    return None if match is None else (int(match[1]), int(match[2]))


def batch_files(store: Path) -> list[Path]:
    """The store's complete batch files in write order (numeric: run 10000 comes after run 9999)."""
    found = [(n, p) for p in store.glob(_PART_GLOB) if p.is_file() and (n := batch_number(p))]
    return [p for _n, p in sorted(found)]


def value_kind(value: Any) -> str | None:
    """The type family of a cleaned row value: ``"bool"``, ``"number"``, ``"str"`` or ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "str"


class ColumnKinds:
    """The type family (bool, number or str) of every metric column of a store.

    A column keeps one family in the whole store, so every batch file concatenates
    with every other and the loaded table does not depend on how tasks were batched.
    Integers and reals are one family (a column mixing them loads as float64).
    """

    def __init__(self, kinds: Mapping[str, str] | None = None) -> None:
        self.kinds: dict[str, str] = dict(kinds or {})

    def admit(self, rows: Sequence[Mapping[str, Any]]) -> str | None:
        """Record the columns of one task's rows; return an error message (and record nothing) on a clash."""
        pending: dict[str, str] = {}
        for i, row in enumerate(rows):
            for col, value in row.items():
                kind = value_kind(value)
                if kind is None:
                    continue
                known = self.kinds.get(col) or pending.get(col)
                if known is None:
                    pending[col] = kind
                elif known != kind:
                    return (f"row {i}: column {col!r} holds a {kind} value ({value!r}) but earlier "
                            f"rows hold {known} values; a column must keep one type (bool, number "
                            "or str)")
        self.kinds.update(pending)
        return None


def _arrow_type(pa: Any, kind: str | None, values: Sequence[Any]) -> Any:
    if kind == "bool":
        return pa.bool_()
    if kind == "str":
        return pa.string()
    if kind == "number":
        ints = all(v is None or isinstance(v, int) for v in values)
        return pa.int64() if ints else pa.float64()
    return pa.null()


def write_batch(
    store: Path,
    path: Path,
    rows: list[dict[str, Any]],
    meta: Mapping[str, Any],
    params: Mapping[str, Any],
    kinds: ColumnKinds,
) -> None:
    """Write one batch's rows (and ``meta`` in the schema metadata) atomically to ``path``.

    ``params`` are the experiment's defaults (their types type the parameter columns);
    ``kinds`` types the metric columns (every row must have been admitted by it).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    fixed = {"_task": pa.string(), "seed": pa.int64(), "row": pa.int64()}
    for name, default in params.items():
        fixed[name] = (pa.bool_() if isinstance(default, bool) else pa.int64()
                       if isinstance(default, int) else pa.float64()
                       if isinstance(default, float) else pa.string())
    columns: dict[str, None] = dict.fromkeys(fixed)
    for row in rows:
        columns.update(dict.fromkeys(row))
    arrays, names = [], []
    for col in columns:
        values = [row.get(col) for row in rows]
        kind = fixed.get(col)
        arrays.append(pa.array(values, type=kind if kind is not None else
                               _arrow_type(pa, kinds.kinds.get(col), values)))
        names.append(col)
    table = pa.Table.from_arrays(arrays, names=names)
    blob = json.dumps(meta, allow_nan=False).encode("utf-8")
    table = table.replace_schema_metadata({_META_KEY: blob})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(store)


@dataclass
class StoreState:
    """What a scan of a store's batch files found.

    ``latest`` maps a task id to the index (in ``files``) of the latest file holding it;
    ``failed`` maps the ids whose latest record is a failure to that record.
    """

    files: list[Path]
    latest: dict[str, int] = field(default_factory=dict)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    metas: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> set[str]:
        """Ids of tasks whose latest record is a success."""
        return {t for t in self.latest if t not in self.failed}


def _read_meta(path: Path) -> tuple[dict[str, Any], Any]:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as err:
        raise InvalidInputError(f"store: batch file {str(path)!r} is unreadable ({err})") from err
    raw = (schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise InvalidInputError(f"store: batch file {str(path)!r} carries no mechkit metadata")
    data: dict[str, Any] = json.loads(raw.decode("utf-8"))
    return data, schema


def _schema_kinds(schema: Any, skip: set[str]) -> dict[str, str]:
    import pyarrow.types as pat

    out = {}
    for fld in schema:
        if fld.name in skip:
            continue
        if pat.is_boolean(fld.type):
            out[fld.name] = "bool"
        elif pat.is_integer(fld.type) or pat.is_floating(fld.type):
            out[fld.name] = "number"
        elif pat.is_string(fld.type) or pat.is_large_string(fld.type):
            out[fld.name] = "str"
    return out


def scan(store: Path, params: Sequence[str] = ()) -> StoreState:
    """Read the metadata and schema of every batch file (not the rows)."""
    state = StoreState(batch_files(store))
    skip = {"_task", "seed", "row", *params}
    for i, path in enumerate(state.files):
        meta, schema = _read_meta(path)
        state.metas.append(meta)
        state.kinds.update(_schema_kinds(schema, skip))
        for task in meta.get("tasks", []):
            state.latest[task] = i
            state.failed.pop(task, None)
        for rec in meta.get("failures", []):
            state.latest[rec["task"]] = i
            state.failed[rec["task"]] = rec
    return state


# --------------------------------------------------------------------------- loading


def _order_columns(df: pd.DataFrame, params: Sequence[str], index: Sequence[str] = ()) -> pd.DataFrame:
    """Parameters, ``seed``, ``row``, the index columns, then the metrics by (first non-null row, name).

    The metric order depends only on the sorted rows and the column names, never on the
    order in which batch files were written or on the key order of the rows' dicts (a
    dict built from a set of strings is ordered differently in every worker process).
    """
    lead = [c for c in (*params, "seed", "row", *index) if c in df.columns]
    rest = [c for c in df.columns if c not in lead and c != "_task"]
    first_valid: dict[str, int] = {}
    for c in rest:
        notna = df[c].notna().to_numpy()
        first_valid[c] = int(notna.argmax()) if notna.any() else len(df)
    rest.sort(key=lambda c: (first_valid[c], c))
    return df[lead + rest]


def load(store: str | os.PathLike[str]) -> pd.DataFrame:
    """Load a store's results as one tidy :class:`pandas.DataFrame`.

    Rows are sorted by the parameters (in the experiment's order), the seed index and
    the row index within a task, so the table is the same whatever engine, worker
    count or completion order produced it.  A task stored more than once (a retried
    failure, an overlap after a crash) contributes only its latest record.

    Parameters
    ----------
    store : str or path
        A store directory.

    Returns
    -------
    pandas.DataFrame
        Columns: the parameters, ``seed``, ``row``, then the metrics.  ``df.attrs
        ["mechkit"]`` holds the experiment name, parameter names, index columns and root
        seed (used by the plots and :func:`summarize`).

    Examples
    --------
    >>> import tempfile
    >>> from mechkit.experiments import run
    >>> tmp = tempfile.TemporaryDirectory()
    >>> summary = run("experiments.hedge_regret", grid={"T": 64, "levels": 2}, seeds=2,
    ...               store=tmp.name, workers=1, progress=False)
    >>> df = load(tmp.name)
    >>> df[["T", "seed", "row", "horizon"]].to_numpy().tolist()
    [[64, 0, 0, 32], [64, 0, 1, 64], [64, 1, 0, 32], [64, 1, 1, 64]]
    >>> tmp.cleanup()
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = _as_store_path(store)
    manifest = read_manifest(path)
    params = list(manifest["params"])
    state = scan(path, params)
    tables = []
    for i, (file, meta) in enumerate(zip(state.files, state.metas, strict=True)):
        if not meta.get("tasks"):
            continue
        table = pq.read_table(file)
        superseded = [t for t in meta["tasks"] if state.latest.get(t) != i]
        if superseded:  # a later file holds these tasks again: keep only the latest record
            drop = pc.is_in(table["_task"], value_set=pa.array(superseded, type=pa.string()))
            table = table.filter(pc.invert(drop))
        if table.num_rows:
            tables.append(table.replace_schema_metadata(None))
    if tables:
        # one Arrow concatenation, one conversion: the same table whatever the batching
        whole = pa.concat_tables(tables, promote_options="permissive")
        df = whole.drop_columns(["_task"]).to_pandas()
        df = df.sort_values([*params, "seed", "row"], kind="mergesort", ignore_index=True)
    else:
        df = pd.DataFrame({c: pd.Series(dtype="float64") for c in params} | {
            "seed": pd.Series(dtype="int64"), "row": pd.Series(dtype="int64")})
        for c, v in manifest["params"].items():
            df[c] = df[c].astype(type(v).__name__ if not isinstance(v, str) else "object")
    df = _order_columns(df, params, [str(c) for c in manifest.get("index", [])])
    df.attrs["mechkit"] = {
        "experiment": manifest["experiment"],
        "params": params,
        "index": list(manifest.get("index", [])),
        "root_seed": manifest.get("root_seed"),
        "store": str(path),
    }
    return df


def load_failures(store: str | os.PathLike[str]) -> pd.DataFrame:
    """The tasks whose latest record in the store is a failure.

    Returns
    -------
    pandas.DataFrame
        Columns: the parameters, ``seed``, ``error_type``, ``error``, ``traceback``;
        sorted like :func:`load`.  Empty when every task succeeded.

    Examples
    --------
    >>> import tempfile
    >>> from mechkit.experiments import run
    >>> tmp = tempfile.TemporaryDirectory()
    >>> _ = run("experiments.hedge_regret", grid={"T": 32, "levels": 1}, seeds=1,
    ...         store=tmp.name, workers=1, progress=False)
    >>> len(load_failures(tmp.name))
    0
    >>> tmp.cleanup()
    """
    import pandas as pd

    path = _as_store_path(store)
    manifest = read_manifest(path)
    params = list(manifest["params"])
    state = scan(path)
    records = [
        {**rec["params"], "seed": rec["seed"], "error_type": rec["error_type"],
         "error": rec["error"], "traceback": rec.get("traceback", "")}
        for _task, rec in state.failed.items()
    ]
    cols = [*params, "seed", "error_type", "error", "traceback"]
    df = pd.DataFrame.from_records(records, columns=cols)
    if len(df):
        df = df.sort_values([*params, "seed"], kind="mergesort", ignore_index=True)
    return df


def is_boolean_like(series: pd.Series) -> bool:
    """True for a boolean column, including one with missing values (pandas dtype ``object``).

    Examples
    --------
    >>> import pandas as pd
    >>> is_boolean_like(pd.Series([True, None, False])), is_boolean_like(pd.Series([1, 0]))
    (True, False)
    """
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return True
    if series.dtype != object:
        return False
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, bool) for v in values)


def summarize(data: pd.DataFrame | str | os.PathLike[str], by: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean, standard deviation and count of every numeric metric per group.

    Parameters
    ----------
    data : DataFrame or path
        A table from :func:`load` (or a store directory).
    by : sequence of str, optional
        Group columns.  Default: the parameters that vary, plus the experiment's index
        columns (or ``row`` when tasks return several rows and no index is declared).

    Returns
    -------
    pandas.DataFrame
        The group columns, ``n`` (rows per group; ``n_rows`` when the table has a
        column ``n``), then ``<metric>`` (mean) and ``<metric>_sd`` for every numeric or
        boolean metric.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"K": [2, 2, 4, 4], "seed": [0, 1, 0, 1], "row": 0,
    ...                    "regret": [1.0, 3.0, 2.0, 2.0]})
    >>> summarize(df, by=["K"]).to_dict("list")
    {'K': [2, 4], 'n': [2, 2], 'regret': [2.0, 2.0], 'regret_sd': [1.4142135623730951, 0.0]}
    """
    import pandas as pd

    df = load(data) if isinstance(data, str | os.PathLike) else data
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"data: must be a DataFrame or a store path; got {type(data).__name__}")
    info = df.attrs.get("mechkit", {})
    if by is None:
        params = [p for p in info.get("params", []) if p in df.columns]
        keys = [p for p in params if df[p].nunique(dropna=False) > 1]
        index = [c for c in info.get("index", []) if c in df.columns]
        if index:
            keys += index
        elif "row" in df.columns and len(df) and df["row"].max() > 0:
            keys.append("row")
        fixed = set(params) | {"seed", "row"}
    else:
        keys = list(by)
        missing = [c for c in keys if c not in df.columns]
        if missing:
            columns = ", ".join(map(str, df.columns))
            raise InvalidInputError(f"by: no column {missing[0]!r}; columns: {columns}")
        fixed = set(info.get("params", [])) | {"seed", "row"}
    metrics = [c for c in df.columns if c not in keys and c not in fixed and c != "_task"
               and (pd.api.types.is_numeric_dtype(df[c]) or is_boolean_like(df[c]))]
    count = "n"
    while count in df.columns:  # n, n_rows, _n_rows, __n_rows, ...
        count = "n_rows" if count == "n" else "_" + count
    values = df[keys + metrics].copy()
    for m in metrics:
        values[m] = values[m].astype("float64")
    if keys:
        grouped = values.groupby(keys, sort=True, dropna=False)
        out = grouped.size().rename(count).reset_index()
        for m in metrics:
            out[m] = grouped[m].mean().to_numpy()
            out[f"{m}_sd"] = grouped[m].std(ddof=1).to_numpy()
    else:
        out = pd.DataFrame({count: [len(values)]})
        for m in metrics:
            out[m] = [values[m].mean()]
            out[f"{m}_sd"] = [values[m].std(ddof=1)]
    return out
