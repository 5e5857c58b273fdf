"""Pareto fronts: the points no other point beats on every cost at no lower score.

Only points whose every cost on the chosen axes is known take part: an unknown cost is not a
low cost. Points are processed best score first (ties: cheapest first), so a point can only be
dominated by one already seen, and only the current front needs checking.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def front(points: Sequence[tuple[Hashable, Sequence[float | None], float]]) -> set[Hashable]:
    """Keys of the non-dominated points among (key, costs, score); lower costs are better."""
    known = [(k, tuple(c), s) for k, c, s in points if all(x is not None for x in c)]
    known.sort(key=lambda p: (-p[2], p[1]))
    kept: list[tuple[Hashable, tuple, float]] = []
    for k, costs, score in known:
        dominated = any(all(a <= b for a, b in zip(fc, costs)) and (fs > score or fc != costs)
                        for _, fc, fs in kept)
        if not dominated:
            kept.append((k, costs, score))
    return {k for k, _, _ in kept}
