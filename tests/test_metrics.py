"""Tests of helpers.metrics: accuracy and the confusion matrix."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.metrics import accuracy, confusion_matrix


@st.composite
def labels_and_predictions(draw, num_classes=10):
    n = draw(st.integers(1, 40))
    y = draw(arrays(np.int64, n, elements=st.integers(0, num_classes - 1)))
    p = draw(arrays(np.int64, n, elements=st.integers(0, num_classes - 1)))
    return y, p


def test_accuracy_of_predicted_labels():
    assert accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.75
    assert type(accuracy(np.array([1]), np.array([1]))) is float


def test_accuracy_takes_the_argmax_of_scores():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.0, 5.0]], dtype=np.float32)
    assert accuracy(scores, np.array([1, 0, 0])) == pytest.approx(2 / 3)


@given(labels_and_predictions())
def test_accuracy_is_the_trace_fraction_of_the_confusion_matrix(yp):
    y, p = yp
    cm = confusion_matrix(y, p)
    assert cm.dtype == np.int64 and cm.shape == (10, 10)
    assert cm.sum() == len(y)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y, minlength=10))
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(p, minlength=10))
    assert accuracy(p, y) == pytest.approx(np.trace(cm) / len(y))
    # scores whose argmax is p give the same accuracy
    assert accuracy(np.eye(10)[p], y) == accuracy(p, y)


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), num_classes=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_accuracy_bad_input():
    with pytest.raises(ValueError, match="labels has 2 entries but scores_or_preds has 3"):
        accuracy(np.array([0, 1, 2]), np.array([0, 1]))
    with pytest.raises(TypeError, match=r"integer class predictions.*\(N, C\)"):
        accuracy(np.array([0.0, 1.0]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\(N, C\) or predicted labels of shape \(N,\)"):
        accuracy(np.zeros((2, 3, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"0\.\.2 \(3 classes\), found 3"):
        accuracy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="finite"):
        accuracy(np.array([[0.0, np.nan]]), np.array([0]))
    with pytest.raises(TypeError, match="integers"):
        accuracy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="at least one example"):
        accuracy(np.array([], dtype=int), np.array([], dtype=int))
    with pytest.raises(ValueError, match=">= 0"):
        accuracy(np.array([-1, 0]), np.array([0, 0]))
    with pytest.raises(ValueError, match="found -1"):
        accuracy(np.array([1, 0]), np.array([-1, 0]))


def test_confusion_matrix_bad_input():
    y = np.array([0, 1, 2])
    with pytest.raises(ValueError, match="predictions has 2 entries but labels has 3"):
        confusion_matrix(y, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"predictions must lie in 0\.\.2 \(3 classes\), found 5"):
        confusion_matrix(y, np.array([0, 1, 5]), num_classes=3)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        confusion_matrix(np.array([0, 10]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"scores\? use scores.argmax\(axis=1\)"):
        confusion_matrix(y, np.zeros((3, 10)))
    with pytest.raises(TypeError, match="predictions must be integers"):
        confusion_matrix(y, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        confusion_matrix(y, y, num_classes=0)
