import pyarrow as pa

from concerted import build_network, find_groups


def test_find_groups_two_cliques_joined_by_a_weak_edge():
    def clique(names):
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]

    strong = clique(["a1", "a2", "a3", "a4"]) + clique(["b1", "b2", "b3"])
    pairs = pa.table(
        {
            "actor": [a for a, _ in strong] + ["a1"],
            "actor_y": [b for _, b in strong] + ["b1"],
            "weight": [5] * len(strong) + [1],
            "strength": [10.0] * len(strong) + [0.5],
        }
    )
    groups = find_groups(build_network(pairs))
    # Numbered by total strength: the 4-clique (6 edges) first, the 3-clique (3 edges) second.
    assert groups == {"a1": 1, "a2": 1, "a3": 1, "a4": 1, "b1": 2, "b2": 2, "b3": 2}


def test_find_groups_empty_and_min_size():
    empty = pa.table(
        {
            "actor": pa.array([], pa.string()),
            "actor_y": pa.array([], pa.string()),
            "strength": pa.array([], pa.float64()),
        }
    )
    assert find_groups(build_network(empty)) == {}
    pair = pa.table({"actor": ["a"], "actor_y": ["b"], "strength": [3.0]})
    assert find_groups(build_network(pair)) == {"a": 1, "b": 1}
    assert find_groups(build_network(pair), min_size=3) == {}
