import numpy as np
import pytest


@pytest.fixture
def blobs():
    """Five well-separated blobs in 4-D (n = 2000), their true labels and centers."""
    rng = np.random.default_rng(42)
    centers = np.array(
        [[0, 0, 0, 0], [10, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0], [10, 10, 10, 10]],
        dtype=np.float64,
    )
    y = rng.integers(0, 5, size=2000)
    X = centers[y] + rng.normal(scale=0.8, size=(2000, 4))
    return X, y, centers
