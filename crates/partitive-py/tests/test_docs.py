"""The docstring examples and the README examples run and print what they say."""

import doctest
import pathlib
import re

import pytest

import partitive
from partitive import _gmm, _kmeans, _kmedoids

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("module", [_kmeans, _gmm, _kmedoids])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_readme_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 5
    scope = {}
    for code in blocks:
        exec(compile(code, str(README), "exec"), scope)  # noqa: S102 - our own README
    assert scope["proba"].shape == (10, 4)
    assert scope["big"].medoid_indices_.shape == (5,)
    assert scope["h"].labels_.max() == 2
    assert scope["labels"].shape == (3,) and scope["labels"][2] == -1
    assert scope["auto"].n_clusters_ == 4 and scope["auto"].cluster_sizes_ == [150] * 4
    assert scope["p"].shape == (2, 4)
    g = scope["g"]
    assert g.labels_.tolist() == [2, 2, 1, 1, 0, 0, 0, 1]
    assert g.categorical_.tolist() == [False, False, True, True]
    assert g.predict(scope["new"]).tolist() == [1, 0]


def test_public_api_documented():
    for name in partitive.__all__:
        obj = getattr(partitive, name)
        if isinstance(obj, type):
            assert obj.__doc__ and "Parameters" in obj.__doc__ or issubclass(obj, Exception), name
            for meth in ("fit", "predict", "fit_predict"):
                if hasattr(obj, meth):
                    assert getattr(obj, meth).__doc__, f"{name}.{meth}"
