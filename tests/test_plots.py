"""Tests of helpers.plots: each function on small data, its Figure, and bad input."""

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers.plots import (  # noqa: E402
    bar_counts,
    confusion_matrix_plot,
    digit_grid,
    learning_curves,
    misclassified_gallery,
    weight_images,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(13, 28, 28), dtype=np.uint8)


def texts(fig):
    """Every title, axis label and text drawn in the figure, as one string."""
    parts = [fig._suptitle.get_text() if fig._suptitle else ""]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# digit_grid
# --------------------------------------------------------------------------------------


def test_digit_grid_labels_and_wrong_predictions(images):
    labels = np.arange(13) % 10
    preds = labels.copy()
    preds[[2, 7]] = [5, 1]
    fig = digit_grid(images, labels, preds, ncols=5, title="digits")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 15  # 3 rows of 5, the last two blank
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "0" and titles[2] == "2→5" and titles[7] == "7→1"
    assert fig.axes[2].title.get_color() != fig.axes[0].title.get_color()
    assert not fig.axes[13].axison and not fig.axes[14].axison
    assert "digits" in fig._suptitle.get_text() and "2 of 13 wrong" in fig._suptitle.get_text()


def test_digit_grid_flat_float_images_without_labels(rng):
    fig = digit_grid(rng.random((4, 784)), ncols=10)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    assert (
        digit_grid(rng.random((3, 784)), predictions=np.array([1, 2, 3])).axes[1].get_title()
        == "pred 2"
    )


def test_digit_grid_bad_input(images):
    with pytest.raises(ValueError, match=r"square images \(D = 784 for 28x28\), got D = 780"):
        digit_grid(np.zeros((2, 780)))
    with pytest.raises(ValueError, match=r"\(n, 28, 28\) or \(n, 784\).*single image"):
        digit_grid(np.zeros(784))
    with pytest.raises(ValueError, match="labels has 3 entries, expected 13"):
        digit_grid(images, labels=np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"one-hot rows or scores\? use .argmax"):
        digit_grid(images, predictions=np.zeros((13, 10)))
    with pytest.raises(TypeError, match="integer class labels"):
        digit_grid(images, labels=np.zeros(13))
    with pytest.raises(ValueError, match="NaN or inf"):
        digit_grid(np.full((1, 28, 28), np.nan))
    with pytest.raises(ValueError, match="empty"):
        digit_grid(np.zeros((0, 28, 28)))
    with pytest.raises(ValueError, match="ncols must be a positive integer"):
        digit_grid(images, ncols=0)


# --------------------------------------------------------------------------------------
# learning_curves
# --------------------------------------------------------------------------------------


@pytest.fixture
def history():
    return {
        "step": [0, 10, 20, 30],
        "train_loss": [2.3, 1.0, 0.6, 0.5],
        "val_loss": [2.3, None, 0.7, float("nan")],
        "train_acc": [0.1, 0.7, 0.8, 0.85],
        "val_acc": [0.1, 0.65, 0.78, 0.8],
        "epoch": [0, 0, 1, 1],
    }


def test_learning_curves_one_panel_per_metric(history):
    fig = learning_curves(history)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "accuracy"
    assert loss_ax.get_xlabel() == "step" and loss_ax.get_ylabel() == "loss"
    assert [line.get_label() for line in loss_ax.lines] == ["train", "val"]
    val = loss_ax.lines[1]
    np.testing.assert_array_equal(val.get_xdata(), [0, 20])  # None and NaN skipped
    assert [line.get_label() for line in acc_ax.lines] == ["train", "val"]


def test_learning_curves_single_metric_other_x(history):
    fig = learning_curves(history, metrics="loss", x="epoch", title="run 1")
    assert len(fig.axes) == 1 and fig.axes[0].get_xlabel() == "epoch"
    assert fig._suptitle.get_text() == "run 1"


def test_learning_curves_bad_input(history):
    with pytest.raises(ValueError, match=r"x='time' is not a key of history; available keys"):
        learning_curves(history, x="time")
    with pytest.raises(ValueError, match=r"no series for metric 'f1'.*'train_f1'"):
        learning_curves(history, metrics=("loss", "f1"))
    with pytest.raises(ValueError, match="train_loss'] has 2 values but history\\['step'\\] has 4"):
        learning_curves({**history, "train_loss": [1.0, 2.0]})
    with pytest.raises(TypeError, match="dict of lists"):
        learning_curves([1, 2, 3])
    with pytest.raises(ValueError, match="at least one metric"):
        learning_curves(history, metrics=())


# --------------------------------------------------------------------------------------
# confusion_matrix_plot
# --------------------------------------------------------------------------------------


def test_confusion_matrix_plot_counts():
    cm = np.array([[5, 1, 0], [0, 3, 2], [1, 0, 7]])
    fig = confusion_matrix_plot(cm, class_names=["a", "b", "c"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # matrix and colour bar
    ax = fig.axes[0]
    assert ax.get_title() == "confusion matrix"
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.texts] == ["5", "1", "0", "0", "3", "2", "1", "0", "7"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_confusion_matrix_plot_normalised_rows():
    cm = np.array([[3, 1], [0, 0]])
    fig = confusion_matrix_plot(cm, normalize=True, title="normalised")
    ax = fig.axes[0]
    assert ax.get_title() == "normalised"
    assert [t.get_text() for t in ax.texts] == ["0.75", "0.25", "0.00", "0.00"]


def test_confusion_matrix_plot_bad_input():
    with pytest.raises(ValueError, match=r"square \(C, C\).*\(2, 3\)"):
        confusion_matrix_plot(np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="non-negative"):
        confusion_matrix_plot(np.array([[1, -1], [0, 1]]))
    with pytest.raises(ValueError, match="class_names must have 2 entries"):
        confusion_matrix_plot(np.eye(2, dtype=int), class_names=["a"])


# --------------------------------------------------------------------------------------
# weight_images
# --------------------------------------------------------------------------------------


def test_weight_images_diverging_and_symmetric(rng):
    W = rng.normal(size=(784, 10))
    W[0, 3] = 5.0  # the largest magnitude sets both limits
    fig = weight_images(W, ncols=5)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 11  # 10 images and a colour bar
    im = fig.axes[0].images[0]
    assert im.get_clim() == (-5.0, 5.0)
    assert im.get_cmap().name == "RdBu_r"
    assert [ax.get_title() for ax in fig.axes[:10]] == [str(j) for j in range(10)]
    assert fig._suptitle.get_text()


def test_weight_images_custom_titles(rng):
    fig = weight_images(rng.normal(size=(784, 3)), titles=["x", "y", "z"], title="W")
    assert [ax.get_title() for ax in fig.axes[:3]] == ["x", "y", "z"]
    assert fig._suptitle.get_text() == "W"


def test_weight_images_bad_input():
    with pytest.raises(ValueError, match=r"\(784, k\).*did you pass W.T\?"):
        weight_images(np.zeros((10, 784)))
    with pytest.raises(ValueError, match="2-D"):
        weight_images(np.zeros(784))
    with pytest.raises(ValueError, match="titles must have 2 entries"):
        weight_images(np.zeros((784, 2)), titles=["a"])
    with pytest.raises(ValueError, match="NaN or inf"):
        weight_images(np.full((784, 2), np.inf))


# --------------------------------------------------------------------------------------
# misclassified_gallery
# --------------------------------------------------------------------------------------


@pytest.fixture
def gallery_data(images):
    labels = np.arange(13) % 10
    probs = np.full((13, 10), 0.01)
    probs[np.arange(13), labels] = 0.91  # all correct ...
    probs[4] = 0.0
    probs[4, [4, 9]] = [0.2, 0.8]  # ... but 4 (as 9, p = 0.8)
    probs[6] = 0.0
    probs[6, [6, 0]] = [0.05, 0.95]  # and 6 (as 0, p = 0.95, the more confident)
    return images, labels, probs


def test_misclassified_gallery_most_confident_first(gallery_data):
    fig = misclassified_gallery(*gallery_data, n=12)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4  # two mistakes, an image and a bar chart each
    assert fig.axes[0].get_title() == "true 6\npredicted 0 (0.95)"
    assert fig.axes[2].get_title() == "true 4\npredicted 9 (0.80)"
    bars = fig.axes[1].patches
    assert len(bars) == 10 and bars[0].get_height() == pytest.approx(0.95)
    assert "2 most confident mistakes" in fig._suptitle.get_text()


def test_misclassified_gallery_n_limits_and_no_mistakes(gallery_data):
    images, labels, probs = gallery_data
    assert len(misclassified_gallery(images, labels, probs, n=1).axes) == 2
    good = np.eye(10)[labels]
    fig = misclassified_gallery(images, labels, good)
    assert len(fig.axes) == 1 and "no misclassified" in texts(fig)


def test_misclassified_gallery_bad_input(gallery_data):
    images, labels, probs = gallery_data
    with pytest.raises(ValueError, match=r"probs must have shape \(13, C\)"):
        misclassified_gallery(images, labels, probs[:5])
    with pytest.raises(ValueError, match=r"logits\? pass softmax\(logits\)"):
        misclassified_gallery(images, labels, probs * 3)
    with pytest.raises(ValueError, match="NaN or inf"):
        misclassified_gallery(images, labels, np.full((13, 10), np.nan))
    with pytest.raises(ValueError, match="labels has 12 entries"):
        misclassified_gallery(images, labels[:12], probs)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        misclassified_gallery(images, labels + 5, probs)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        misclassified_gallery(images, labels, probs, n=0)


# --------------------------------------------------------------------------------------
# bar_counts
# --------------------------------------------------------------------------------------


def test_bar_counts():
    fig = bar_counts(np.array([5, 7, 1]), ["a", "b", "c"], title="class balance")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == "class balance"
    assert ax.get_xlabel() == "class" and ax.get_ylabel() == "count"
    assert [p.get_height() for p in ax.patches] == [5, 7, 1]
    assert [t.get_text() for t in ax.texts] == ["5", "7", "1"]


def test_bar_counts_bad_input():
    with pytest.raises(ValueError, match=r"shape \(k,\)"):
        bar_counts(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        bar_counts(np.array([1, -1]))
    with pytest.raises(ValueError, match="labels must have 2 entries"):
        bar_counts(np.array([1, 2]), ["a"])


def test_digit_grid_all_correct_note(images):
    labels = np.arange(13) % 10
    fig = digit_grid(images, labels, labels)
    assert fig._suptitle.get_text() == "all 13 predictions correct"
    assert all(ax.title.get_color() == "black" for ax in fig.axes[:13])
