"""partitive — deterministic clustering in Rust, with scikit-learn-compatible estimators.

Estimators
----------
KMeans
    k-means (k-means++ or deterministic seeding, restarts, sample weights).
GaussianMixture
    Gaussian mixtures by EM (full, diagonal, spherical or tied covariances).
KMedoids
    k-medoids (PAM, FastPAM1, FasterPAM, alternating, FastCLARANS) on any metric or a
    precomputed dissimilarity matrix.
CLARA
    k-medoids on samples (FastCLARA) for large data.
HDBSCAN
    HDBSCAN*: clusters of any shape with noise (the ``hdbscan`` library's partition),
    probabilities, GLOSH outlier scores, soft membership, approximate prediction.
PPP
    Automatic clustering: the number of clusters found by itself, the same answer every run.

Every estimator follows the scikit-learn contract (``fit`` returns self, learned
attributes end in ``_``, ``get_params``/``set_params``) and subclasses scikit-learn's
``BaseEstimator`` when scikit-learn is installed; it is not required.
"""

from ._partitive import __version__
from ._base import ConvergenceWarning, NotFittedError
from ._gmm import GaussianMixture
from ._hdbscan import HDBSCAN
from ._kmeans import KMeans
from ._kmedoids import CLARA, KMedoids
from ._ppp import PPP

__all__ = [
    "CLARA",
    "ConvergenceWarning",
    "GaussianMixture",
    "HDBSCAN",
    "KMeans",
    "KMedoids",
    "NotFittedError",
    "PPP",
    "__version__",
]
