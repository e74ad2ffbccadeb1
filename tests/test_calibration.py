"""helpers.calibration (reliability, ECE, temperature scaling) and plots.plot_reliability."""

import math
import warnings

import matplotlib
import numpy as np
import pytest

from helpers.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
    reliability,
    temperature_nll,
)
from helpers.functions import softmax


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def synthetic(rng, n=20_000, c=10, power=1.0):
    """Probabilities whose confidence conf is right with probability conf**power."""
    conf = rng.uniform(0.2, 1.0, n)
    pred = rng.integers(0, c, n)
    probs = np.repeat(((1 - conf) / (c - 1))[:, None], c, axis=1)
    probs[np.arange(n), pred] = conf
    right = rng.random(n) < conf**power
    other = (pred + rng.integers(1, c, n)) % c  # any class but pred
    return probs, np.where(right, pred, other)


def sampled_labels(rng, logits):
    """Labels drawn from softmax(logits): logits calibrated by construction."""
    p = softmax(logits)
    return (rng.random((len(p), 1)) > np.cumsum(p, axis=1)).sum(axis=1).clip(0, p.shape[1] - 1)


def test_ece_of_a_calibrated_set_is_near_zero_and_of_a_miscalibrated_one_is_not(rng):
    probs, y = synthetic(rng)
    assert expected_calibration_error(probs, y) < 0.02  # sampling noise only
    probs, y = synthetic(rng, power=2.0)  # right with probability conf**2 < conf
    assert expected_calibration_error(probs, y) > 0.1


def test_hand_computed_ece():
    # confidences 0.9 right, 0.78 wrong, 0.7 right, 0.55 wrong; bins of width 0.2
    probs = np.array([[0.9, 0.1], [0.78, 0.22], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([0, 1, 1, 0])
    r = reliability(probs, y, n_bins=5)
    np.testing.assert_allclose(r["edges"], [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert r["count"].tolist() == [0, 0, 1, 2, 1]
    np.testing.assert_allclose(r["confidence"][2:], [0.55, 0.74, 0.9])
    np.testing.assert_allclose(r["accuracy"][2:], [0.0, 0.5, 1.0])
    assert np.isnan(r["confidence"][:2]).all() and np.isnan(r["accuracy"][:2]).all()
    # 1/4 * 0.55 + 2/4 * 0.24 + 1/4 * 0.1
    assert expected_calibration_error(probs, y, n_bins=5) == pytest.approx(0.2825)
    # one bin: |mean accuracy - mean confidence| = |0.5 - 0.7325|
    assert expected_calibration_error(probs, y, n_bins=1) == pytest.approx(0.2325)


def test_bin_edges_are_right_closed():
    probs = np.array([[0.5, 0.5], [1.0, 0.0], [0.75, 0.25]])
    r = reliability(probs, np.array([0, 0, 0]), n_bins=4)
    assert r["count"].tolist() == [0, 1, 1, 1]  # 0.5 in (0.25, 0.5], 0.75 in (0.5, 0.75]
    assert r["count"].dtype == np.int64


@pytest.mark.parametrize("true_T", [0.5, 2.5])
def test_fitted_temperature_recovers_a_known_temperature(rng, true_T):
    z = 2.0 * rng.standard_normal((8000, 10))
    y = sampled_labels(rng, z)
    T = fit_temperature(z * true_T, y)  # scores off by a factor true_T
    assert T == pytest.approx(true_T, rel=0.05)
    assert temperature_nll(z * true_T, y, T) <= temperature_nll(z * true_T, y, 1.0)


def test_temperature_is_one_when_already_calibrated(rng):
    z = 3.0 * rng.standard_normal((8000, 10)).astype(np.float32)
    y = sampled_labels(rng, z)
    assert fit_temperature(z, y) == pytest.approx(1.0, abs=0.04)


def test_the_fit_is_the_minimum_of_the_nll(rng):
    z = 2.0 * rng.standard_normal((2000, 5))
    y = sampled_labels(rng, 1.7 * z)
    T = fit_temperature(z, y, tol=1e-9)
    f = temperature_nll(z, y, T)
    assert f <= temperature_nll(z, y, T * 1.01) and f <= temperature_nll(z, y, T / 1.01)
    grid = np.exp(np.linspace(np.log(0.1), np.log(10), 150))
    best = grid[np.argmin([temperature_nll(z, y, t) for t in grid])]
    assert T == pytest.approx(best, rel=0.03)


def test_scaling_keeps_accuracy_and_lowers_the_ece_of_an_overconfident_model(rng):
    z = 2.0 * rng.standard_normal((8000, 10))
    y = sampled_labels(rng, z)
    over = 3.0 * z
    T = fit_temperature(over, y)
    before = expected_calibration_error(softmax(over), y)
    p = apply_temperature(over, T)
    assert (p.argmax(1) == over.argmax(1)).all()
    assert before > 0.1 and expected_calibration_error(p, y) < 0.02
    assert apply_temperature(over.astype(np.float32), T).dtype == np.float32


def test_a_perfect_training_fit_warns_at_the_bound():
    z = np.array([[5.0, 0.0], [0.0, 5.0], [4.0, 1.0]])
    with pytest.warns(RuntimeWarning, match="bound"):
        T = fit_temperature(z, np.array([0, 1, 0]))
    assert T == pytest.approx(0.01, rel=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_temperature(z, np.array([0, 1, 1]))  # an interior minimum: no warning


@pytest.mark.parametrize(
    "probs, y, err, match",
    [
        (np.array([0.2, 0.8]), np.array([1]), ValueError, "single example"),
        (np.ones((3, 1)), np.zeros(3, int), ValueError, "C >= 2"),
        (np.zeros((0, 3)), np.zeros(0, int), ValueError, "N >= 1"),
        (np.array([[2.0, 1.0], [0.5, 0.5]]), np.array([0, 1]), ValueError, "row 0 sums to 3"),
        (np.array([[0.6, 0.6]]), np.array([0]), ValueError, "logits\\?"),
        (np.array([[1.2, -0.2]]), np.array([0]), ValueError, "negative entry"),
        (np.array([[np.nan, 0.5]]), np.array([0]), ValueError, "NaN"),
        (np.array([[1, 0]]), np.array([0]), TypeError, "float probabilities"),
        (np.array([[0.5, 0.5]]), np.array([0, 1]), ValueError, "expected 1 labels"),
        (np.array([[0.5, 0.5]]), np.array([2]), ValueError, r"0\.\.1"),
        (np.array([[0.5, 0.5]]), np.array([0.0]), TypeError, "integers"),
    ],
)
def test_bad_probabilities_and_labels(probs, y, err, match):
    with pytest.raises(err, match=match):
        expected_calibration_error(probs, y)
    with pytest.raises(err, match=match):
        reliability(probs, y)


def test_bad_arguments():
    p, y = np.array([[0.5, 0.5]]), np.array([0])
    for n_bins in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n_bins"):
            reliability(p, y, n_bins)
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        fit_temperature(np.zeros(3), np.zeros(3, int))
    with pytest.raises(TypeError, match="float scores"):
        fit_temperature(np.zeros((4, 3), int), np.zeros(4, int))
    with pytest.raises(ValueError, match="NaN"):
        fit_temperature(np.full((4, 3), np.inf), np.zeros(4, int))
    with pytest.raises(ValueError, match="bounds"):
        fit_temperature(z, np.zeros(4, int), bounds=(0, 10))
    with pytest.raises(ValueError, match="bounds"):
        fit_temperature(z, np.zeros(4, int), bounds=(5, 1))
    for T in (0, -1, math.inf, math.nan):
        with pytest.raises(ValueError, match="T must be"):
            apply_temperature(z, T)
        with pytest.raises(ValueError, match="T must be"):
            temperature_nll(z, np.zeros(4, int), T)


def test_plot_reliability_single_and_before_after(rng):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.plots import plot_reliability

    probs, y = synthetic(rng, n=2000, power=2.0)
    fig = plot_reliability(probs, y, n_bins=10, title="test")
    ax = fig.axes[0]
    ece = expected_calibration_error(probs, y, 10)
    assert f"{ece:.4f}" in ax.get_title()
    assert len(ax.patches) == 2 * (reliability(probs, y, 10)["count"] > 0).sum()
    plt.close(fig)
    fig = plot_reliability({"before": probs, "after": probs}, y)
    assert len(fig.axes) == 2 and fig.axes[1].get_title().startswith("after: ECE")
    plt.close(fig)
    with pytest.raises(ValueError, match="sums to"):
        plot_reliability(np.ones((3, 10)), np.zeros(3, int))
    with pytest.raises(ValueError, match="empty dict"):
        plot_reliability({}, y)
