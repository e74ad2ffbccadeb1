"""fit(augment=...): the per-batch data augmentation hook added for the capstone (topic 06)."""

import numpy as np
import pytest

from helpers.augment import random_shift
from helpers.model import TwoLayerNet, mlp
from helpers.train import fit

D, C = 16, 3


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(5).normal(scale=2.0, size=(C, D))
    y = rng.integers(0, C, size=n)
    return (centres[y] + rng.normal(size=(n, D))).astype(np.float32), y


@pytest.fixture(scope="module")
def data():
    return blobs(200, 0) + blobs(60, 1)


def net():
    return TwoLayerNet(D=D, H=8, C=C, rng=np.random.default_rng(0))


def test_augment_sees_every_training_batch_and_nothing_else(data):
    X, y, Xv, yv = data
    seen = []

    def aug(Xb, rng):
        assert isinstance(rng, np.random.Generator)
        seen.append(Xb.copy())
        return Xb

    fit(net(), X, y, Xv, yv, epochs=2, batch_size=64, rng=np.random.default_rng(1), augment=aug)
    assert [len(b) for b in seen] == [64, 64, 64, 8] * 2
    # every training row is seen once per epoch; the validation rows never
    rows = {tuple(r) for b in seen for r in b}
    assert rows == {tuple(r) for r in X}


def test_identity_augment_changes_nothing_but_the_random_stream_is_shared(data):
    X, y, Xv, yv = data
    a, b = net(), net()
    ha = fit(a, X, y, Xv, yv, epochs=2, batch_size=32, rng=np.random.default_rng(2))
    hb = fit(b, X, y, Xv, yv, epochs=2, batch_size=32, rng=np.random.default_rng(2),
             augment=lambda Xb, rng: Xb)
    assert ha["val_loss"] == hb["val_loss"]
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_augment_changes_training_and_is_deterministic_for_a_seed(data):
    X, y, Xv, yv = data
    noisy = lambda Xb, rng: Xb + rng.normal(scale=0.5, size=Xb.shape).astype(Xb.dtype)  # noqa: E731
    runs = [fit(net(), X, y, Xv, yv, epochs=2, rng=np.random.default_rng(3), augment=noisy)
            for _ in range(2)]
    plain = fit(net(), X, y, Xv, yv, epochs=2, rng=np.random.default_rng(3))
    assert runs[0]["val_loss"] == runs[1]["val_loss"]
    assert runs[0]["val_loss"] != plain["val_loss"]


def test_shifts_of_mnist_sized_rows_through_fit():
    rng = np.random.default_rng(0)
    X = rng.random((64, 784), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    model = mlp([784, 16, 10], rng=0)
    h = fit(model, X, y, epochs=1, batch_size=32, rng=np.random.default_rng(1),
            augment=lambda Xb, r: random_shift(Xb, 2, rng=r))
    assert np.isfinite(h["train_loss"]).all()


@pytest.mark.parametrize("aug, error, match", [
    ("shift", TypeError, "augment must be a function"),
    (lambda Xb, rng: Xb[:, :-1], ValueError, "batch's shape"),
    (lambda Xb, rng: list(Xb), ValueError, "batch's shape"),
])
def test_bad_augment(data, aug, error, match):
    X, y, Xv, yv = data
    with pytest.raises(error, match=match):
        fit(net(), X, y, epochs=1, rng=np.random.default_rng(0), augment=aug)


def test_augmented_batch_keeps_the_dtype(data):
    X, y, _, _ = data
    dtypes = []

    def aug(Xb, rng):
        return Xb.astype(np.float64) * 1.0  # a float64 result is converted back

    model = net()
    orig = model._loss

    def spy(Xb, yb, reg, grads):
        dtypes.append(Xb.dtype)
        return orig(Xb, yb, reg, grads)

    model._loss = spy
    fit(model, X, y, epochs=1, batch_size=100, rng=np.random.default_rng(0), augment=aug)
    assert set(dtypes) == {np.dtype(np.float32)}
