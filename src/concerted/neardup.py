"""Near-duplicate texts: posts that say the same thing with small edits, clustered at scale.

Texts are normalised first (:func:`normalize_texts`: case, links, mentions, emoji and
punctuation, numbers, spacing), so a copy with another link, another emoji or another figure is
the same text; identical normalised texts collapse into one before any hashing. Each distinct
text becomes a set of word shingles (its words and its pairs of consecutive words: a swapped
word changes three of them, reordered sentences one or two), summarised by a MinHash signature
(:func:`minhash_signatures`), and texts whose signatures agree on a whole band of hashes become
candidates (locality-sensitive hashing). A candidate is kept when the signatures agree on at
least ``threshold`` of their hashes (the estimated Jaccard similarity of the shingle sets), and
the kept links join texts into clusters (connected components).

Everything is vectorised in NumPy over flat arrays (no Python object per post), and the texts
are hashed in chunks so memory stays bounded; each bucket links its members to its first one
only, so a bucket of a hundred thousand boilerplate variants costs a hundred thousand links,
not the square of it. ``benchmarks/bench_text.py`` compares this with datasketch, rensa and a
DuckDB-native MinHash (see benchmarks/README.md for the figures and why this one).

References
----------
Broder 1997, On the resemblance and containment of documents. Leskovec, Rajaraman & Ullman,
Mining of Massive Datasets, ch. 3 (banding).

Example
-------
>>> clusters = cluster_texts([
...     "Vote NO on the bill! https://t.co/a1 #savethepark",
...     "vote no on the bill!! 🙏 https://t.co/zz #SaveThePark",
...     "A picnic in the park today, lovely weather",
... ])
>>> clusters.tolist()
[0, 0, -1]
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Signatures of BANDS x ROWS hashes: two texts of Jaccard similarity s become candidates with
# probability 1 - (1 - s**4)**16: 0.99 at 0.7, 0.64 at 0.5, 0.12 at 0.3. Clusters join through
# any member, so a family of copies is found even when one pair of its copies is missed.
BANDS = 16
ROWS = 4
# On benchmarks/text_other_world.py's million posts, 0.5 chained short everyday posts into one
# cluster of 2,897 (pair precision 0.60), 0.6 gave precision 0.978 and 0.7 0.999, recall 0.997.
DEFAULT_THRESHOLD = 0.7
# Texts hashed at once: bounds the shingle arrays (about 40 bytes per word).
CHUNK_TEXTS = 500_000
_SEED = 0x5EED_C0_0C

# Links, mentions, emoji and punctuation say nothing of what a copy says: edits change them first.
_URL = r"(?:https?://|www\.)\S+"
_MENTION = r"@[\p{L}\p{N}_.]+"
_RETWEET = r"^rt\s+"
_NUMBER = r"\p{N}+(?:[.,:]\p{N}+)*"
_NOT_WORD = r"[^\p{L}\p{N}\s]+"


def normalize_texts(texts: pa.Array | pa.ChunkedArray | list) -> pa.Array:
    """Texts as near-duplicate detection compares them: lower case, without links, mentions,
    a leading ``RT``, emoji and punctuation, every number as ``0``, single spaces.

    >>> normalize_texts(["RT @bob: Vote NO on Bill 12!!! 🙏 https://t.co/x #Park"]).to_pylist()
    ['vote no on bill 0 park']
    """
    t = pa.array(texts, pa.string()) if isinstance(texts, list) else texts
    # 64-bit offsets: ten million posts hold more than the 2 GB a string array can.
    t = pc.utf8_lower(t.cast(pa.large_string()))
    t = pc.replace_substring_regex(t, _URL, " ")
    t = pc.replace_substring_regex(t, _RETWEET, " ")
    t = pc.replace_substring_regex(t, _MENTION, " ")
    t = pc.replace_substring_regex(t, _NUMBER, "0")
    t = pc.replace_substring_regex(t, _NOT_WORD, " ")
    t = pc.replace_substring_regex(t, r"\s+", " ")
    t = pc.utf8_trim_whitespace(t)
    return t.combine_chunks() if isinstance(t, pa.ChunkedArray) else t


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: 64 well-mixed bits of each value (uint64, wrapping)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _word_hashes(words: pa.Array) -> np.ndarray:
    """A 64-bit hash of each word, the same in every run (each distinct word hashed once)."""
    encoded = pc.dictionary_encode(words)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    table = np.fromiter(
        (int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
         for w in distinct),
        dtype=np.uint64, count=len(distinct),
    )  # fmt: skip
    return table[encoded.indices.to_numpy(zero_copy_only=False)]


def shingle_hashes(normalized: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The shingles of each text, hashed: its words and its pairs of consecutive words.

    Returns
    -------
    (hashes, offsets)
        ``hashes[offsets[i]:offsets[i + 1]]`` are text ``i``'s shingles (uint64; an empty text
        has none).

    >>> h, off = shingle_hashes(normalize_texts(["a b c", "", "a"]))
    >>> off.tolist(), bool(h[0] == h[5])
    ([0, 5, 5, 6], True)
    """
    blank = pc.equal(pc.utf8_length(normalized), 0)
    words = pc.utf8_split_whitespace(pc.if_else(blank, pa.scalar(None, pa.string()), normalized))
    counts = pc.list_value_length(words).to_numpy(zero_copy_only=False)
    counts = np.nan_to_num(counts.astype(float)).astype(np.int64)
    flat = pc.list_flatten(words)
    h = _word_hashes(flat) if len(flat) else np.zeros(0, np.uint64)
    n = len(counts)
    starts = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    # Pairs: each word with the next one of the same text.
    follows = np.ones(len(h), bool)
    follows[starts[1:][counts > 0] - 1] = False  # a text's last word starts no pair
    first = np.flatnonzero(follows)
    pairs = _mix(h[first] * np.uint64(0x9E3779B97F4A7C15) ^ h[first + 1]) if len(first) else h[:0]
    n_pairs = np.maximum(counts - 1, 0)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(counts + n_pairs, out=offsets[1:])
    out = np.empty(offsets[-1], np.uint64)
    # Text i's words, then its pairs, at offsets[i].
    word_slot = np.repeat(offsets[:-1] - starts[:-1], counts) + np.arange(len(h))
    out[word_slot] = h
    pair_starts = np.zeros(n + 1, np.int64)
    np.cumsum(n_pairs, out=pair_starts[1:])
    pair_slot = np.repeat(offsets[:-1] + counts - pair_starts[:-1], n_pairs) + np.arange(len(pairs))
    out[pair_slot] = pairs
    return out, offsets


def _coefficients(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=n, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=n, dtype=np.uint64)
    return a, b


def minhash_signatures(
    hashes: np.ndarray, offsets: np.ndarray, num_perm: int = BANDS * ROWS
) -> np.ndarray:
    """The MinHash signature of each text: for each of ``num_perm`` hash functions (``a * x + b``
    modulo 2**64, its high 32 bits), the least value over the text's shingles.

    Returns a (texts x ``num_perm``) uint32 array; an empty text's signature is all 2**32 - 1
    (it resembles nothing).
    """
    n = len(offsets) - 1
    sig = np.full((n, num_perm), np.iinfo(np.uint32).max, np.uint32)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if not len(nonempty):
        return sig
    starts = offsets[:-1][nonempty]
    a, b = _coefficients(num_perm)
    shift = np.uint64(32)
    for k in range(num_perm):
        v = ((hashes * a[k] + b[k]) >> shift).astype(np.uint32)
        sig[nonempty, k] = np.minimum.reduceat(v, starts)
    return sig


def similar_pairs(signatures: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Pairs of texts (rows of ``signatures``) whose signatures share a band and agree on at
    least ``threshold`` of their hashes: an (n x 2) int64 array, each pair once.

    Each bucket links its members to its first member only: linear in the bucket's size, and
    enough for clusters (connected components)."""
    n, num_perm = signatures.shape
    rows = num_perm // BANDS if num_perm % BANDS == 0 else ROWS
    bands = num_perm // rows
    found = []
    keep = np.flatnonzero(signatures[:, 0] != np.iinfo(np.uint32).max)  # empty texts
    for band in range(bands):
        part = signatures[keep, band * rows : (band + 1) * rows].astype(np.uint64)
        key = np.zeros(len(keep), np.uint64)
        for j in range(rows):
            key = _mix(key * np.uint64(0x100000001B3) ^ part[:, j])
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        new = np.ones(len(order), bool)
        new[1:] = sorted_key[1:] != sorted_key[:-1]
        leader = order[np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))]
        member = ~new
        found.append(np.stack([keep[leader[member]], keep[order[member]]], axis=1))
    if not found:
        return np.zeros((0, 2), np.int64)
    pairs = np.unique(np.concatenate(found), axis=0)
    agree = np.zeros(len(pairs))
    for start in range(0, len(pairs), 1_000_000):  # bounded memory
        p = pairs[start : start + 1_000_000]
        agree[start : start + len(p)] = (signatures[p[:, 0]] == signatures[p[:, 1]]).mean(axis=1)
    return pairs[agree >= threshold]


def cluster_texts(
    texts: pa.Array | pa.ChunkedArray | list,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    chunk_texts: int = CHUNK_TEXTS,
) -> np.ndarray:
    """The near-duplicate cluster of each text: an int64 array, ``-1`` for a text that nothing
    else resembles (and for an empty or null one), clusters numbered from 0 in order of first
    appearance.

    Parameters
    ----------
    texts
        The texts, raw (:func:`normalize_texts` is applied here).
    threshold
        The least estimated Jaccard similarity of two texts' shingle sets for them to be linked
        (a number from 0 to 1; default 0.7). Clusters are the connected components of the links.
    chunk_texts
        Distinct texts hashed at once (bounds memory).
    """
    normalized = normalize_texts(texts)
    n = len(normalized)
    if n == 0:
        return np.zeros(0, np.int64)
    # Identical normalised texts are one text: hash each distinct one once.
    encoded = pc.dictionary_encode(normalized)
    of_post = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    distinct = encoded.dictionary
    nonempty = pc.greater(pc.utf8_length(distinct), 0).to_numpy(zero_copy_only=False)
    signatures = np.empty((len(distinct), BANDS * ROWS), np.uint32)
    for start in range(0, len(distinct), chunk_texts):
        part = distinct.slice(start, chunk_texts)
        signatures[start : start + len(part)] = minhash_signatures(*shingle_hashes(part))
    pairs = similar_pairs(signatures, threshold)
    m = len(distinct)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, component = connected_components(graph, directed=False)
    # A cluster needs two posts: two distinct texts linked, or one text posted twice.
    posts = np.bincount(of_post[of_post >= 0], minlength=m)
    per_component = np.bincount(component, weights=posts)
    clustered = (per_component[component] >= 2) & nonempty
    label = np.where(clustered, component, -1)
    post_label = np.where(of_post >= 0, label[np.maximum(of_post, 0)], -1)
    # Number clusters 0, 1, ... by first appearance, whatever the component numbering.
    valid = post_label >= 0
    _, first, inverse = np.unique(post_label[valid], return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out = np.full(n, -1, np.int64)
    out[valid] = rank[inverse]
    return out
