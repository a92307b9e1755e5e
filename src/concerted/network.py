"""From scored pairs to a weighted actor network, and from the network to groups."""

from __future__ import annotations

import igraph as ig
import leidenalg
import numpy as np
import pyarrow as pa

# Leiden is randomised; a fixed seed makes every run of the same data give the same groups.
SEED = 42


def build_network(pairs: pa.Table) -> ig.Graph:
    """An undirected graph with one vertex per actor in ``pairs`` and one edge per pair.

    Edge attributes are the pair columns (``weight``, ``strength``...); vertex attribute
    ``name`` is the actor.
    """
    actors = pairs["actor"].to_pylist()
    actors_y = pairs["actor_y"].to_pylist()
    names = sorted(set(actors) | set(actors_y))
    index = {a: i for i, a in enumerate(names)}
    g = ig.Graph(
        n=len(names), edges=[(index[a], index[b]) for a, b in zip(actors, actors_y, strict=True)]
    )
    g.vs["name"] = names
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
    strength_of = {}
    for e in graph.es:
        a, b = e.tuple
        if membership[a] == membership[b]:
            strength_of[membership[a]] = strength_of.get(membership[a], 0.0) + (
                e["strength"] if weights else 1.0
            )
    sizes = np.bincount(membership)
    ranked = sorted(
        (c for c in range(len(sizes)) if sizes[c] >= min_size),
        key=lambda c: (-strength_of.get(c, 0.0), -sizes[c], c),
    )
    number = {c: i + 1 for i, c in enumerate(ranked)}
    return {graph.vs[v]["name"]: number[c] for v, c in enumerate(membership) if c in number}
