"""Issue 14, class 2, wired in: ``fit`` and the update rules refuse or warn at the call.

The checks themselves (helpers.sanity) are tested in test_sanity.py; here, that ``fit`` and
``helpers.optim`` use them: unscaled images, hyper-parameters of the wrong type, NaN
gradients named by parameter, a loss that rises (warned before the first epoch ends), a
read-only parameter, a learning rate read from a config file as a string.
"""

import os
import warnings

import numpy as np
import pytest

from helpers import optim, sanity
from helpers.functions import NonFiniteError
from helpers.model import TwoLayerNet
from helpers.train import fit

os.environ.setdefault("COURSE_PROGRESS", "0")

RNG = np.random.default_rng(0)
X = RNG.random((60, 20)).astype(np.float32)
Y = RNG.integers(0, 3, size=60)


def net():
    return TwoLayerNet(20, 8, 3, rng=np.random.default_rng(0))


def train(**kwargs):
    args = {"epochs": 1, "batch_size": 20, "lr": 0.1, "rng": np.random.default_rng(1), **kwargs}
    X_train = args.pop("X", X)
    return fit(args.pop("model", None) or net(), X_train, Y, **args)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"lr": "0.1"}, TypeError, "lr must be a number, got str '0.1' (a string, e.g. read from a "
                               "config file?"),
    ({"reg": None}, TypeError, "reg must be a number, got None"),
    ({"batch_size": 60 / 4}, TypeError, "batch_size must be an int, got float 15.0 (use int"),
    ({"epochs": "2"}, TypeError, "epochs must be an int, got str '2'"),
    ({"rng": 0}, TypeError, "rng must be a np.random.Generator"),
    ({"X": X * 255}, ValueError, "X_train ranges over "),
    ({"X": (X * 255).astype(np.uint8)}, TypeError, "X_train holds raw uint8 pixels"),
])
def test_fit_refuses_at_the_call(kwargs, error, words):
    model = net()
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(error) as excinfo:
        train(model=model, **kwargs)
    assert words in str(excinfo.value)
    for k, v in model.params.items():  # refused before any step
        np.testing.assert_array_equal(v, before[k])


def test_unscaled_images_point_to_scale():
    with pytest.raises(ValueError) as excinfo:
        train(X=X * 255)
    assert "expected pixels scaled to [0, 1]" in str(excinfo.value)
    assert "helpers.data.scale(images)" in str(excinfo.value)


def test_features_on_a_small_scale_still_train():
    train(X=X * 16)  # scikit-learn's 8x8 digits are 0..16, as topic 03 trains them


class NaNGradient(TwoLayerNet):
    """A backward pass that divides by zero in b2, while the loss stays finite."""

    def _loss(self, X, y, reg, grads):
        loss = super()._loss(X, y, reg, grads)
        grads["b2"][1] = np.nan
        return loss


def test_nan_gradient_is_named_before_the_update():
    model = NaNGradient(20, 8, 3, rng=np.random.default_rng(0))
    before = model.params["b2"].copy()
    with pytest.raises(NonFiniteError) as excinfo:
        train(model=model)
    assert str(excinfo.value).startswith("the gradient of b2 at step 0 has 1 NaN and 0 inf")
    np.testing.assert_array_equal(model.params["b2"], before)  # the NaN never reached it


class Rising:
    """A model whose loss rises step after step (as with a far too high learning rate)."""

    def __init__(self):
        self.params = {"W": np.zeros((20, 3))}
        self.steps = 0

    def loss(self, X, y, reg=0.0):
        self.steps += 1
        return 1.0 + 0.1 * self.steps, {"W": np.zeros((20, 3))}

    def scores(self, X):
        return np.zeros((len(X), 3))


def test_rising_loss_warns_before_the_first_epoch_ends():
    model = Rising()
    Xl, yl = RNG.random((1000, 20)), RNG.integers(0, 3, size=1000)
    seen_at_first_evaluation = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(model, Xl, yl, epochs=1, batch_size=10, lr=0.5, rng=np.random.default_rng(0),
            callbacks=[lambda m, h: seen_at_first_evaluation.append(len(caught))])
    said = [str(w.message) for w in caught if issubclass(w.category, sanity.SanityWarning)]
    assert len(said) == 1 and said[0].startswith("the training loss is rising")
    assert "the learning rate (0.5) is probably too high" in said[0]
    assert seen_at_first_evaluation[0] >= 1  # warned during the epoch, not after it


def test_update_rules_refuse_a_string_learning_rate_and_read_only_weights():
    w = np.zeros(3)
    with pytest.raises(TypeError) as excinfo:
        optim.sgd(w, np.ones(3), {"learning_rate": "0.01"})
    assert str(excinfo.value).startswith(
        "learning_rate must be a number, got str '0.01' (a string, e.g. read from a config")
    with pytest.raises(TypeError, match="learning_rate must be a number, got None"):
        optim.momentum(w, np.ones(3), {"learning_rate": None})
    frozen = np.broadcast_to(np.zeros(1), (3,))
    with pytest.raises(ValueError) as excinfo:
        optim.sgd(frozen, np.ones(3), {"learning_rate": 0.1})
    assert str(excinfo.value).startswith("parameter 'w' is read-only")
    optim.sgd(w, np.ones(3), {"learning_rate": np.float32(0.5)})
    np.testing.assert_allclose(w, -0.5)


def test_a_large_l2_penalty_is_not_taken_for_a_too_high_learning_rate():
    """With reg > 0 the loss includes reg/2 |W|^2: staying above 2 ln C is then no alarm."""
    import warnings as _w

    from helpers.sanity import check_fit

    rng = np.random.default_rng(0)
    X = rng.random((64, 5))
    watch = check_fit(X, epochs=1, batch_size=8, lr=0.1, reg=0.1, rng=rng)
    with _w.catch_warnings():
        _w.simplefilter("error")
        for step in range(60):
            watch(step, 5.5, {"W1": np.zeros(3)})
    plain = check_fit(X, epochs=1, batch_size=8, lr=0.1, reg=0.0, rng=rng)
    with pytest.warns(Warning, match="far above ln 10"):
        for step in range(60):
            plain(step, 5.5, {"W1": np.zeros(3)})
