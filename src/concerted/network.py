"""From scored pairs to a weighted actor network, and from the network to groups."""

from __future__ import annotations

import igraph as ig
import leidenalg
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Leiden is randomised; a fixed seed makes every run of the same data give the same groups.
SEED = 42


def build_network(pairs: pa.Table) -> ig.Graph:
    """An undirected graph with one vertex per actor in ``pairs`` and one edge per pair.

    Edge attributes are the pair columns (``weight``, ``strength``...); vertex attribute
    ``name`` is the actor.
    """
    both = pa.chunked_array(pairs["actor"].chunks + pairs["actor_y"].chunks, pa.string())
    names = pc.unique(both)
    names = names.take(pc.array_sort_indices(names))
    ends = np.column_stack(
        [
            pc.index_in(pairs["actor"], value_set=names).to_numpy(zero_copy_only=False),
            pc.index_in(pairs["actor_y"], value_set=names).to_numpy(zero_copy_only=False),
        ]
    ).reshape(-1, 2)
    g = ig.Graph(n=len(names), edges=ends.tolist())
    g.vs["name"] = names.to_pylist()
    for column in ("weight", "co_actions", "median_delay_seconds", "strength"):
        if column in pairs.column_names:
            g.es[column] = pairs[column].to_pylist()
    return g


def find_groups(graph: ig.Graph, *, min_size: int = 2, resolution: float = 1.0) -> dict[str, int]:
    """Communities of the network by Leiden (modularity, edges weighted by ``strength``).

    Returns actor -> group number, groups numbered from 1 by decreasing total strength;
    groups smaller than ``min_size`` are left out.

    References
    ----------
    Traag, Waltman & van Eck 2019, From Louvain to Leiden: guaranteeing well-connected
    communities.
    """
    if graph.vcount() == 0:
        return {}
    weights = graph.es["strength"] if "strength" in graph.es.attributes() else None
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=weights,
        resolution_parameter=resolution,
        seed=SEED,
    )
    membership = np.asarray(partition.membership)
    ends = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    same = membership[ends[:, 0]] == membership[ends[:, 1]]
    w = np.asarray(weights, dtype=float) if weights else np.ones(len(ends))
    sizes = np.bincount(membership)
    totals = np.bincount(membership[ends[same, 0]], weights=w[same], minlength=len(sizes))
    strength_of = dict(enumerate(totals.tolist()))
    ranked = sorted(
        (c for c in range(len(sizes)) if sizes[c] >= min_size),
        key=lambda c: (-strength_of.get(c, 0.0), -sizes[c], c),
    )
    number = {c: i + 1 for i, c in enumerate(ranked)}
    return {graph.vs[v]["name"]: number[c] for v, c in enumerate(membership) if c in number}
