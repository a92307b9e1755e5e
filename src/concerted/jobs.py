"""Whole jobs, as one library call each: read a log (a file or the evidence store), detect,
write the results folder.

:func:`run_detect` is what ``concerted detect`` and a web-app run of ``detect`` do; it checks
every parameter before the long work starts, so a command only parses its options, calls it and
renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from .detectors import CoAction, Detector
from .engines import Engine, get_engine
from .errors import ParameterError
from .layers import Layer
from .outputs import DEFAULT_FORMATS, check_formats, check_out_folder, write_results
from .pipeline import Result, check_min_group_size, detect
from .progress import READ, WRITE, report


def run_detect(
    file: str | Path | None = None,
    out_dir: str | Path = "results",
    *,
    store_dir: str | Path | None = None,
    mapping: Mapping[str, str] | None = None,
    object_columns: Iterable[str] = (),
    objects_from_text: Iterable[str] = (),
    format: str | None = None,
    deleted_within_hours: float | None = None,
    detector: Detector | None = None,
    engine: Engine | str | None = None,
    min_group_size: int | None = None,
    reveal: bool = False,
    formats: Iterable[str] = DEFAULT_FORMATS,
    progress: Callable[[str], None] | None = None,
    layers: Sequence[Layer] = (),
) -> tuple[Result, str | None]:
    """Detect coordinated groups in ``file`` or in the evidence store in ``store_dir`` (one of
    them), and write the results folder ``out_dir``.

    Every parameter is checked before the log is read (a bad ``out_dir`` or detector parameter
    is refused at once, not after the whole run).

    Parameters
    ----------
    file
        The log to read (see :func:`concerted.load_log`, which ``mapping``,
        ``object_columns``, ``objects_from_text`` and ``format`` are passed to).
    out_dir
        The results folder (see :func:`concerted.write_results`, which ``reveal`` and
        ``formats`` are passed to).
    store_dir
        Instead of ``file``: the project folder of an evidence store; the run is recorded there
        (see :func:`concerted.detect_store`, which ``deleted_within_hours`` is passed to).
    detector, engine, min_group_size, layers
        As for :func:`concerted.detect`; ``engine`` may be given by name (``duckdb``). With
        ``layers``, ``file`` needs no object column (each row is then its own object).
    progress
        Called with a short message at each step.

    Returns
    -------
    (Result, str or None)
        The result, and the id of the run recorded in the store (None when reading a file).

    Example
    -------
    >>> run_detect("actions.csv", "results-of-the-example/", store_dir="project/")
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: Give either FILE or --store DIR (one of them).
    """
    formats = check_formats(list(formats))
    object_columns, objects_from_text = list(object_columns), list(objects_from_text)
    check_out_folder(out_dir)
    check_min_group_size(min_group_size)
    if (file is None) == (store_dir is None):
        raise ParameterError("Give either FILE or --store DIR (one of them).")
    if deleted_within_hours is not None and store_dir is None:
        raise ParameterError(
            "--deleted-within-hours needs --store DIR (deletions are known there)."
        )
    detector = detector or CoAction()
    detector.check_params()
    engine = engine if isinstance(engine, Engine) else get_engine(engine)
    say = progress or (lambda _message: None)
    for layer in layers:
        layer.check()
    options = dict(
        detector=detector, engine=engine, min_group_size=min_group_size, layers=tuple(layers)
    )
    run_id = None
    if store_dir is not None:
        from .store import detect_store

        if mapping or object_columns or objects_from_text or format:
            raise ParameterError(
                "--map, --object-columns, --objects-from-text and --format apply when reading "
                "FILE; with --store, give them to concerted ingest."
            )
        result, run_id = detect_store(
            store_dir, deleted_within_hours=deleted_within_hours, progress=progress, **options
        )
        say(f"recorded as {run_id} in {store_dir}")
    else:
        from .io import load_log

        report(progress, f"reading {file}", READ)
        log = load_log(
            file,
            mapping=dict(mapping or {}),
            object_columns=object_columns,
            objects_from_text=objects_from_text,
            format=format,
            require_object=not layers,
        )
        for note in log.notes:
            say(f"note: {note}")
        result = detect(log, progress=progress, **options)
    report(progress, f"writing {out_dir}/", WRITE)
    write_results(result, out_dir, reveal=reveal, formats=formats)
    return result, run_id
