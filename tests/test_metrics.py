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
    with pytest.raises(ValueError, match=r"one-hot rows \(N, C\) use predictions.argmax\(axis=1\)"):
        confusion_matrix(y, np.zeros((3, 10)))
    with pytest.raises(TypeError, match="predictions must be integers"):
        confusion_matrix(y, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        confusion_matrix(y, y, num_classes=0)


@pytest.mark.parametrize(
    ("shape", "first", "second"),
    [((3, 1), "ravel()", "argmax(axis=1)"), ((3, 10), "argmax(axis=1)", "ravel()")],
)
def test_two_d_predictions_get_both_hints_the_likely_one_first(shape, first, second):
    """A 2-D array of predictions: argmax(axis=1) is right for scores or one-hot rows (N, C)
    but would turn an (N, 1) column of labels into zeros, which needs ravel(); the message
    names both, the one that fits the shape first."""
    y = np.array([0, 1, 2])
    preds = y.reshape(-1, 1) if shape[1] == 1 else np.eye(10)[y]
    with pytest.raises(ValueError) as err:
        confusion_matrix(y, preds)
    text = str(err.value)
    assert f"got {shape}" in text
    assert f"predictions.{first}" in text and f"predictions.{second}" in text
    assert text.index(first) < text.index(second)


def test_accuracy_rejects_a_column_of_predictions():
    """An (N, 1) column is not scores (its argmax would be 0 for every row): the error says
    ravel() rather than complaining about the labels."""
    y = np.array([0, 1, 2])
    for column in (y.reshape(-1, 1), y.reshape(-1, 1).astype(np.float64)):
        with pytest.raises(ValueError, match=r"got shape \(3, 1\).*scores_or_preds\.ravel\(\)"):
            accuracy(column, y)
    assert accuracy(y.reshape(-1, 1).ravel(), y) == 1.0


# --------------------------------------------------------------------------------------
# Per-class precision, recall, F1 and the classification report (topic 03)
# --------------------------------------------------------------------------------------

from helpers.metrics import classification_report, precision_recall_f1  # noqa: E402


def test_precision_recall_f1_hand_computed():
    # class 0: 2 examples, both found, plus 1 false alarm (from class 3)  -> P 2/3, R 1
    # class 1: 2 examples, 1 found, 1 predicted as 2; one false alarm (3) -> P 1/2, R 1/2
    # class 2: 2 examples, both found, plus 1 false alarm (from class 1)  -> P 2/3, R 1
    # class 3: 3 examples, 1 found                                         -> P 1,   R 1/3
    # class 4: never occurs, never predicted                               -> all 0
    y = np.array([0, 1, 2, 2, 1, 0, 3, 3, 3])
    p = np.array([0, 2, 2, 2, 1, 0, 3, 1, 0])
    m = precision_recall_f1(y, p, num_classes=5)
    np.testing.assert_allclose(m["precision"], [2 / 3, 1 / 2, 2 / 3, 1, 0])
    np.testing.assert_allclose(m["recall"], [1, 1 / 2, 1, 1 / 3, 0])
    np.testing.assert_allclose(m["f1"], [0.8, 0.5, 0.8, 0.5, 0])
    np.testing.assert_array_equal(m["support"], [2, 2, 2, 3, 0])
    assert m["support"].dtype == np.int64 and m["f1"].dtype == np.float64


def test_class_never_predicted_has_precision_zero():
    y = np.array([0, 1, 1, 2])
    p = np.array([0, 0, 0, 2])  # class 1 is never predicted
    with np.errstate(all="raise"):
        m = precision_recall_f1(y, p, num_classes=3)
    assert m["precision"][1] == 0 and m["recall"][1] == 0 and m["f1"][1] == 0
    assert m["precision"][0] == pytest.approx(1 / 3)


def _random_predictions(seed, n=400, num_classes=10, hit=0.7):
    r = np.random.default_rng(seed)
    y = r.integers(0, num_classes, n)
    return y, np.where(r.random(n) < hit, y, r.integers(0, num_classes, n))


@pytest.mark.parametrize("seed", range(4))
def test_precision_recall_f1_equals_sklearn(seed):
    sk = pytest.importorskip("sklearn.metrics")
    y, p = _random_predictions(seed)
    p[p == 3] = 4  # class 3 never predicted: precision 0 both ways
    m = precision_recall_f1(y, p)
    want = sk.precision_recall_fscore_support(y, p, labels=range(10), zero_division=0)
    for got, ref in zip((m["precision"], m["recall"], m["f1"], m["support"]), want, strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("seed, digits", [(0, 2), (1, 3), (2, 4), (3, 2)])
def test_classification_report_equals_sklearn_text(seed, digits):
    sk = pytest.importorskip("sklearn.metrics")
    y, p = _random_predictions(seed, hit=0.9)
    assert classification_report(y, p, digits=digits) == sk.classification_report(
        y, p, digits=digits
    )


def test_classification_report_layout():
    y = np.array([0, 1, 2, 2, 1, 0, 3, 3, 3])
    p = np.array([0, 2, 2, 2, 1, 0, 3, 1, 0])
    lines = classification_report(y, p, num_classes=4).splitlines()
    assert lines[0].split() == ["precision", "recall", "f1-score", "support"]
    assert lines[2].split() == ["0", "0.67", "1.00", "0.80", "2"]
    assert lines[7].split() == ["accuracy", "0.67", "9"]
    assert lines[8].split() == ["macro", "avg", "0.71", "0.71", "0.65", "9"]
    assert lines[9].split() == ["weighted", "avg", "0.74", "0.67", "0.63", "9"]


def test_per_class_metrics_bad_input():
    with pytest.raises(ValueError, match="predictions has 2 entries but labels has 3"):
        precision_recall_f1(np.array([0, 1, 2]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"use predictions.argmax\(axis=1\)"):
        classification_report(np.array([0, 1]), np.zeros((2, 10)))
    with pytest.raises(ValueError, match="digits"):
        classification_report(np.array([0, 1]), np.array([0, 1]), digits=-1)
