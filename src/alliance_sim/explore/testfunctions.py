"""Analytic test functions with known sensitivity indices.

The Ishigami function (Ishigami & Homma 1990) over ``x_i ~ U(-pi, pi)``::

    f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1

has closed-form variance components, so it checks the design-and-analysis
path end to end: ``sample(ISHIGAMI_PROBLEM, "sobol", N)`` ->
``ishigami(X)`` -> ``analyze(...)`` must recover :func:`ishigami_indices`.
"""
from __future__ import annotations

import numpy as np

ISHIGAMI_PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami(X, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function of each row of ``X`` (``(rows, 3)``)."""
    X = np.asarray(X, dtype=float)
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1):
    """Exact first-order ``S1`` and total ``ST`` Sobol indices of :func:`ishigami`.

    With a=7, b=0.1: S1 = 0.3139, 0.4424, 0 and ST = 0.5576, 0.4424, 0.2437.
    """
    import pandas as pd

    pi4, pi8 = np.pi ** 4, np.pi ** 8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi8 * (1 / 18 - 1 / 50)
    v = a ** 2 / 8 + b * pi4 / 5 + b ** 2 * pi8 / 18 + 0.5
    return pd.DataFrame({"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]},
                        index=pd.Index(ISHIGAMI_PROBLEM["names"], name="parameter"))
