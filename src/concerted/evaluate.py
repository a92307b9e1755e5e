"""evaluate(): score a run against a truth file (an answer key such as ``concerted simulate``
writes), at actor level and at group level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv

from .errors import SchemaError
from .results import open_results


def _read(path: Path, needed: tuple[str, ...]) -> dict[str, list]:
    if not path.is_file():
        raise SchemaError(f"{path}: no such file.")
    try:
        table = pacsv.read_csv(
            str(path),
            convert_options=pacsv.ConvertOptions(column_types={c: "string" for c in needed}),
        )
    except Exception as exc:  # pyarrow raises several types for a bad CSV
        raise SchemaError(f"{path}: cannot be read as CSV ({exc}).") from None
    missing = [c for c in needed if c not in table.column_names]
    if missing:
        raise SchemaError(
            f"{path} has no {', '.join(repr(c) for c in missing)} column "
            f"(its columns are: {', '.join(table.column_names)})."
        )
    return {c: table[c].to_pylist() for c in needed}


def _read_actors(results_dir: Path) -> dict[str, list]:
    """A run's ``actor, group`` (groups as text), through the results reader: from
    actors.parquet when the run wrote it, else from actors.csv (names exactly as they are)."""
    table = open_results(results_dir).table("actors", ["actor", "group"])
    return {
        "actor": table["actor"].to_pylist(),
        "group": [str(g) for g in table["group"].to_pylist()],
    }


def evaluate(results_dir: str | Path, truth_path: str | Path) -> dict[str, Any]:
    """Precision, recall and F1 of the flagged actors, and of the groups.

    ``truth_path`` is a CSV with ``actor, campaign``: one row per member of a planted campaign
    (an empty file with that header means "no campaign"). At group level, a campaign counts as
    found when some group holds at least half of its members and is at least half made of them
    (group recall = campaigns found / campaigns), and a group is right when at least half of
    its members are planted (group precision = right groups / groups).
    """
    found = _read_actors(Path(results_dir))
    truth = _read(Path(truth_path), ("actor", "campaign"))
    flagged = set(found["actor"])
    planted = set(truth["actor"])
    tp = len(flagged & planted)
    precision = tp / len(flagged) if flagged else (1.0 if not planted else 0.0)
    recall = tp / len(planted) if planted else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    groups: dict[str, set[str]] = {}
    for a, g in zip(found["actor"], found["group"], strict=True):
        groups.setdefault(g, set()).add(a)
    campaigns: dict[str, set[str]] = {}
    for a, c in zip(truth["actor"], truth["campaign"], strict=True):
        campaigns.setdefault(c, set()).add(a)
    per_campaign = []
    for c, members in sorted(campaigns.items()):
        best = max(groups.items(), key=lambda kv: len(kv[1] & members), default=(None, set()))
        overlap = len(best[1] & members)
        per_campaign.append(
            {
                "campaign": c,
                "size": len(members),
                "recall": round(len(members & flagged) / len(members), 4),
                "best_group": best[0],
                "found": bool(best[1])
                and overlap >= len(members) / 2
                and overlap >= len(best[1]) / 2,
            }
        )
    pure = sum(1 for m in groups.values() if len(m & planted) >= len(m) / 2)
    group_precision = pure / len(groups) if groups else (1.0 if not campaigns else 0.0)
    found = sum(c["found"] for c in per_campaign)
    group_recall = found / len(campaigns) if campaigns else 1.0
    total = group_precision + group_recall
    return {
        "actors_flagged": len(flagged),
        "actors_planted": len(planted),
        "true_positives": tp,
        "false_positives": len(flagged - planted),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "groups_found": len(groups),
        "group_precision": round(group_precision, 4),
        "group_recall": round(group_recall, 4),
        "group_f1": round(2 * group_precision * group_recall / total, 4) if total else 0.0,
        "campaigns": len(campaigns),
        "campaigns_found": found,
        "per_campaign": per_campaign,
    }


def compare_runs(results_a: str | Path, results_b: str | Path) -> dict[str, Any]:
    """How two runs' findings differ: which actors only one of them flags, and for each group of
    either run the group of the other that shares the most members (with their Jaccard overlap).

    Returns ``{"actors_a", "actors_b", "both", "only_a", "only_b", "groups_a", "groups_b"}``:
    counts, the actors flagged by one run only (sorted), and per group ``{"group", "size",
    "match", "match_size", "shared", "jaccard"}`` (``match`` is None when no member is shared).
    """
    a = _read_actors(Path(results_a))
    b = _read_actors(Path(results_b))
    flagged_a, flagged_b = set(a["actor"]), set(b["actor"])
    groups_a, groups_b = _groups(a), _groups(b)
    return {
        "actors_a": len(flagged_a),
        "actors_b": len(flagged_b),
        "both": len(flagged_a & flagged_b),
        "only_a": sorted(flagged_a - flagged_b),
        "only_b": sorted(flagged_b - flagged_a),
        "groups_a": _best_matches(groups_a, groups_b),
        "groups_b": _best_matches(groups_b, groups_a),
    }


def _groups(found: dict[str, list]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for actor, g in zip(found["actor"], found["group"], strict=True):
        groups.setdefault(g, set()).add(actor)
    return groups


def _best_matches(mine: dict[str, set[str]], theirs: dict[str, set[str]]) -> list[dict]:
    rows = []
    for g, members in sorted(mine.items(), key=lambda kv: (-len(kv[1]), _as_number(kv[0]))):
        match, other = max(
            theirs.items(),
            key=lambda kv: (len(kv[1] & members), -_as_number(kv[0])),
            default=(None, set()),
        )
        shared = len(other & members)
        rows.append(
            {
                "group": _as_number(g),
                "size": len(members),
                "match": _as_number(match) if shared else None,
                "match_size": len(other) if shared else 0,
                "shared": shared,
                "jaccard": round(shared / len(members | other), 3) if shared else 0.0,
            }
        )
    return rows


def _as_number(group: str | None) -> int | float:
    try:
        return int(group)
    except (TypeError, ValueError):
        return float("inf")
