"""Map a file's columns to canonical names, once: the user's mapping first, then known aliases.

Every loader resolves its columns here (:func:`concerted.load_log` for actions, the sign-up lens
for registrations), each with its own canonical names and aliases, so a mapping mistake is
refused the same way everywhere: by a message that names the file, shows its columns and says
which ``--map`` to give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .errors import ParameterError, SchemaError

# The row numbers read_text_table adds: not a column of the file, never mapped.
ROW = "__row"


def check_mapping(mapping: Mapping[str, str], canonical: Sequence[str], *, kind: str) -> None:
    """Raise :class:`ParameterError` if ``mapping`` maps a name that is not one of ``canonical``
    (``kind`` says what the names are, e.g. ``"a registration column"``).

    >>> check_mapping({"author": "user"}, ("actor", "time"), kind="a column concerted knows")
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: --map author=...: 'author' is not a column concerted knows. Map one of: actor, time.
    """
    for key in mapping:
        if key not in canonical:
            raise ParameterError(
                f"--map {key}=...: {key!r} is not {kind}. Map one of: {', '.join(canonical)}."
            )


def find_column(columns: Iterable[str], names: Iterable[str]) -> str | None:
    """The column of the first of ``names`` the file has (compared case-insensitively), or None.

    >>> find_column(["ID", "Created_At", "mail"], ("timestamp", "created_at"))
    'Created_At'
    """
    present = {c.lower(): c for c in columns if c != ROW}
    return next((present[n] for n in names if n in present), None)


def shown_columns(columns: Iterable[str]) -> str:
    """The file's columns as a message lists them.

    >>> shown_columns(["user", "ts", "__row"])
    'user, ts'
    """
    return ", ".join(c for c in columns if c != ROW)


def resolve_columns(
    columns: Sequence[str],
    *,
    canonical: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str],
    name: str,
    claimed: Mapping[str, str] | None = None,
    required: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Canonical name -> the file's column holding it.

    Parameters
    ----------
    columns
        The file's columns (``__row``, the row numbers :func:`concerted.io.read_text_table`
        adds, is left out).
    canonical
        The names to resolve, in order: an earlier name takes a column that fits several.
    aliases
        Canonical name -> the column names that hold it, in order of preference (lower case;
        compared case-insensitively).
    mapping
        The user's canonical name -> column (``--map``), taken first and as given.
    name
        The file, as messages name it.
    claimed
        Columns other options take (column -> the option, e.g. ``"--object-columns"``): they
        must exist, and no alias takes them.
    required
        Canonical name -> an example column, for each name the file must have.

    Returns
    -------
    dict
        A canonical name for each column found; a column is used at most once.

    Raises
    ------
    SchemaError
        A mapped or claimed column is not in the file, or a required name was not found; the
        message shows the file's columns and the ``--map`` that fixes it.

    Example
    -------
    >>> resolve_columns(
    ...     ["User", "created_at", "url"],
    ...     canonical=("actor", "object", "time"),
    ...     aliases={"actor": ("actor", "user"), "object": ("object", "url"), "time": ("time",)},
    ...     mapping={"time": "created_at"},
    ...     name="posts.csv",
    ... )
    {'time': 'created_at', 'actor': 'User', 'object': 'url'}
    """
    shown = shown_columns(columns)
    found = set(columns) - {ROW}
    source: dict[str, str] = {}
    for canon, col in mapping.items():
        if col not in found:
            raise SchemaError(
                f"{name} has no column {col!r} (asked for by --map {canon}={col}). "
                f"Its columns are: {shown}."
            )
        source[canon] = col
    for col, option in (claimed or {}).items():
        if col not in found:
            raise SchemaError(
                f"{name} has no column {col!r} (asked for by {option}). Its columns are: {shown}."
            )
    used = set(source.values()) | set(claimed or {})
    present = {c.lower(): c for c in columns if c != ROW}
    for canon in canonical:
        if canon in source:
            continue
        for alias in aliases.get(canon, ()):
            col = present.get(alias)
            if col is not None and col not in used:
                source[canon] = col
                used.add(col)
                break
    for canon, example in (required or {}).items():
        if canon not in source:
            raise SchemaError(
                f"{name} has no {canon!r} column. Map one with --map {canon}={example} "
                f"(its columns are: {shown})."
            )
    return source
