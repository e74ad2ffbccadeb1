"""helpers.persist: saving and loading models (.npz, no pickle), predict, prepare_image."""

import json
import pickle

import matplotlib
import matplotlib.image as mpimg
import numpy as np
import pytest

from helpers.layers import Dropout, Linear, ReLU, Sigmoid
from helpers.model import Sequential, TwoLayerNet, mlp
from helpers.persist import ModelFileError, load_model, predict, prepare_image, save_model


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def mnist_test():
    from helpers.data import load_mnist

    try:
        return load_mnist("test")
    except Exception as exc:  # pragma: no cover - data missing on this machine
        pytest.skip(f"MNIST test set not available: {exc}")


def small_model(rng, dtype=np.float32):
    return Sequential(
        [
            Linear(784, 16, rng=rng, dtype=dtype),
            ReLU(),
            Dropout(0.3, rng=rng),
            Linear(16, 8, rng=rng, dtype=dtype),
            Sigmoid(),
            Linear(8, 10, rng=rng, dtype=dtype),
        ]
    )


def com(img):
    img = img.reshape(28, 28).astype(np.float64)
    r = np.arange(28)
    return (img.sum(1) @ r) / img.sum(), (img.sum(0) @ r) / img.sum()


# ------------------------------------------------------------------------------ saving


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_gives_identical_scores(tmp_path, rng, dtype):
    model = small_model(rng, dtype)
    for layer in model.layers:
        if isinstance(layer, Dropout):
            layer.eval()
    X = rng.random((7, 784)).astype(dtype)
    path = save_model(tmp_path / "model.npz", model)
    loaded = load_model(path)
    assert type(loaded) is Sequential and loaded.dtype == dtype
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
        "Sigmoid",
        "Linear",
    ]
    assert loaded.layers[2].p == 0.3 and not loaded.layers[2].training  # ready to predict
    np.testing.assert_array_equal(loaded.scores(X), model.scores(X))
    for k, v in model.params.items():
        assert loaded.params[k].dtype == v.dtype
        np.testing.assert_array_equal(loaded.params[k], v)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left


def test_round_trip_of_a_two_layer_net_and_the_record(tmp_path, rng):
    net = TwoLayerNet(784, 20, 10, rng=rng)
    path = save_model(tmp_path / "net", net)  # .npz appended
    assert path.name == "net.npz"
    loaded = load_model(path)
    assert type(loaded) is TwoLayerNet and (loaded.D, loaded.H, loaded.C) == (784, 20, 10)
    X = rng.random((5, 784), dtype=np.float32)
    np.testing.assert_array_equal(loaded.scores(X), net.scores(X))
    with np.load(path, allow_pickle=False) as archive:
        record = json.loads(str(archive["architecture"]))
    assert record["format"] == "mnist-course-model" and record["version"] == 1
    assert record["dtype"] == "float32" and record["params"]["W1"] == [784, 20]


def test_saving_replaces_atomically_and_cleans_up_on_failure(tmp_path, rng, monkeypatch):
    path = save_model(tmp_path / "m.npz", mlp([784, 8, 10], rng=rng))
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model(path, mlp([784, 12, 10], rng=rng))
    assert path.read_bytes() == before  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no half-written file


def test_what_cannot_be_saved(tmp_path, rng):
    class Odd(ReLU):
        pass

    with pytest.raises(TypeError, match="cannot save layers\\[1\\], a Odd"):
        save_model(tmp_path / "x.npz", Sequential([Linear(4, 3, rng=rng), Odd()]))
    with pytest.raises(TypeError, match="Sequential or TwoLayerNet"):
        save_model(tmp_path / "x.npz", {"W1": np.zeros(3)})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_model(tmp_path / "no" / "x.npz", mlp([4, 3], rng=rng))


# ------------------------------------------------------------------------------ bad files


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model file"):
        load_model(tmp_path / "absent.npz")
    with pytest.raises(FileNotFoundError, match="a folder"):
        load_model(tmp_path)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "an empty file"),
        (b"W1,b1\n1,2\n", "not a zip/.npz archive"),
        (pickle.dumps({"W1": [1.0]}), "pickle, which is never loaded"),
    ],
)
def test_files_that_are_not_archives(tmp_path, content, match):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value) and "save_model" in str(info.value)


def test_npy_truncated_pickled_and_plain_npz(tmp_path, rng):
    npy = tmp_path / "w.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ModelFileError, match="single .npy array"):
        load_model(npy)
    good = save_model(tmp_path / "good.npz", mlp([784, 8, 10], rng=rng))
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="damaged or truncated") as info:
        load_model(cut)
    assert "cut.npz" in str(info.value)
    objects = tmp_path / "objects.npz"
    np.savez(objects, architecture=np.array("{}"), W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="Python objects"):
        load_model(objects)
    plain = tmp_path / "plain.npz"
    np.savez(plain, W1=np.zeros((784, 10)), b1=np.zeros(10))
    with pytest.raises(ModelFileError, match="without the 'architecture' record .*W1, b1"):
        load_model(plain)


def rewrite(path, out, record=None, **arrays):
    """A copy of the archive ``path`` with its record and some arrays changed."""
    with np.load(path, allow_pickle=False) as a:
        entries = {k: a[k] for k in a.files}
    if record is not None:
        entries["architecture"] = np.array(
            record if isinstance(record, str) else json.dumps(record)
        )
    for k, v in arrays.items():
        if v is None:
            entries.pop(k)
        else:
            entries[k] = v
    np.savez(out, **entries)
    return out


def test_mismatched_files(tmp_path, rng):
    good = save_model(tmp_path / "good.npz", mlp([784, 8, 10], rng=rng))
    with np.load(good) as a:
        record = json.loads(str(a["architecture"]))
    cases = [
        ({"W1": np.zeros((784, 9), np.float32)}, None, r"W1 must be float32 of shape \(784, 8\)"),
        ({"W2": np.zeros((8, 10))}, None, "W2 must be float32 .* found float64"),
        ({"b2": None}, None, r"missing \['b2'\]"),
        ({"W3": np.zeros((3, 3), np.float32)}, None, r"unexpected \['W3'\]"),
        ({"b1": np.full(8, np.nan, np.float32)}, None, "b1 contains NaN"),
        ({}, "{not json", "not valid JSON"),
        ({}, {**record, "version": 7}, "format version 7"),
        ({}, {**record, "format": "other"}, "not of format"),
        ({}, {**record, "dtype": "int8"}, "dtype must be float32 or float64"),
        ({}, {**record, "model": "CNN"}, "'Sequential' or 'TwoLayerNet'"),
        ({}, {**record, "layers": [{"type": "Conv"}]}, "unknown layer type 'Conv'"),
        ({}, {**record, "layers": [{"type": "Linear", "n_in": 784}]}, "record is invalid"),
        ({}, {**record, "layers": [{"type": "Dropout", "p": 1.5}]}, "record is invalid"),
    ]
    for i, (arrays, rec, match) in enumerate(cases):
        path = rewrite(good, tmp_path / f"bad{i}.npz", rec, **arrays)
        with pytest.raises(ModelFileError, match=match) as info:
            load_model(path)
        assert f"bad{i}.npz" in str(info.value)


def test_a_file_of_another_architecture_than_expected(tmp_path, rng):
    path = save_model(tmp_path / "m.npz", mlp([784, 8, 10], rng=rng))
    assert load_model(path, like=mlp([784, 8, 10], rng=1)).params["W1"].shape == (784, 8)
    with pytest.raises(
        ModelFileError,
        match=r"expected a Sequential 784-16-10 .*holds a "
        r"Sequential 784-8-10 \(Linear, ReLU, Linear\) float32",
    ):
        load_model(path, like=mlp([784, 16, 10], rng=rng))
    with pytest.raises(ModelFileError, match="float64"):
        load_model(path, like=mlp([784, 8, 10], rng=rng, dtype=np.float64))
    with pytest.raises(ModelFileError, match="expected a TwoLayerNet 784-8-10"):
        load_model(path, like=TwoLayerNet(784, 8, 10, rng=rng))


# ------------------------------------------------------------------------------ predict


def test_predict_shapes_and_dropout_mode(rng):
    model = small_model(rng)
    drop = model.layers[2]
    X = rng.random((6, 784), dtype=np.float32)
    labels, probs = predict(model, X)
    assert labels.shape == (6,) and labels.dtype == np.int64 and probs.shape == (6, 10)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    again, _ = predict(model, X)
    np.testing.assert_array_equal(labels, again)  # dropout off during predict
    assert drop.training  # and restored after
    one, p1 = predict(model, X[0])
    assert one.shape == (1,) and one[0] == labels[0]
    raw = (X * 255).astype(np.uint8).reshape(6, 28, 28)
    assert predict(model, raw)[0].shape == (6,)
    with pytest.raises(TypeError, match="float pixels"):
        predict(model, np.zeros((2, 784), np.int64))


# ------------------------------------------------------------------------------ images


def test_prepare_keeps_an_mnist_digit(mnist_test):
    X, _ = mnist_test
    for img in X[:20]:
        out = prepare_image(img)
        assert out.shape == (784,) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 1
        assert np.corrcoef(out, img.ravel())[0, 1] > 0.9  # MNIST was made this way


def test_an_off_centre_digit_is_recentred(mnist_test):
    X, _ = mnist_test
    moved = 0
    for img in X[:30]:
        rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
        dy = 27 - rows[-1]  # push it to the bottom-right corner
        dx = 27 - cols[-1]
        shifted = np.roll(img, (dy, dx), axis=(0, 1))
        if dy + dx < 4:
            continue
        moved += 1
        out = prepare_image(shifted)
        r, c = com(out)
        assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5
        np.testing.assert_array_equal(out, prepare_image(img))  # the same digit, re-centred
    assert moved >= 20


def to_corner(img):
    """The digit moved (no wrap-around) into the bottom-left corner of its 28x28 field."""
    rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
    return np.roll(img, (27 - rows[-1], -cols[0]), axis=(0, 1))


def test_recentred_digits_are_classified_as_before(mnist_test, rng):
    X, y = mnist_test
    Xf = X.reshape(len(X), -1).astype(np.float32) / 255
    # a tiny model "trained" in one pass: nearest class mean, as one Linear layer
    # (score_k = x . m_k - |m_k|^2 / 2, the largest for the nearest mean m_k)
    means = np.stack([Xf[:3000][y[:3000] == k].mean(axis=0) for k in range(10)])
    model = mlp([784, 10], rng=rng)
    model.params["W1"][...] = means.T
    model.params["b1"][...] = -0.5 * (means**2).sum(axis=1)
    base, _ = predict(model, Xf[5000:5200])
    assert (base == y[5000:5200]).mean() > 0.75
    shifted = np.stack([to_corner(img) for img in X[5000:5200]])
    raw, _ = predict(model, shifted)
    fixed, _ = predict(model, np.stack([prepare_image(img) for img in shifted]))
    assert (fixed == base).mean() > 0.95
    assert (raw == base).mean() < 0.5  # off-centre, the same model is lost


def test_inverted_rgb_and_larger_images(mnist_test):
    X, _ = mnist_test
    img = X[3]
    ref = prepare_image(img)
    np.testing.assert_allclose(prepare_image(255 - img), ref, atol=1e-6)  # black on white
    rgb = np.repeat((1 - img / 255.0)[:, :, None], 3, axis=2)
    np.testing.assert_allclose(prepare_image(rgb), ref, atol=1e-5)
    big = np.kron(img, np.ones((4, 4))).astype(np.uint8)  # 112x112, drawn "by hand"
    out = prepare_image(big)
    assert np.corrcoef(out, ref)[0, 1] > 0.95
    grey_paper = 0.8 - 0.6 * (img / 255.0)  # dark grey ink on light grey paper
    assert np.corrcoef(prepare_image(grey_paper), ref)[0, 1] > 0.99


def test_a_png_written_by_matplotlib_is_read_back(tmp_path, mnist_test):
    matplotlib.use("Agg")
    X, _ = mnist_test
    img = np.kron(X[7], np.ones((3, 3)))  # an 84x84 drawing
    path = tmp_path / "digit.png"
    mpimg.imsave(path, 255 - img, cmap="gray", vmin=0, vmax=255)  # RGBA, black ink
    assert mpimg.imread(path).shape == (84, 84, 4)
    out = prepare_image(path)
    assert out.shape == (784,) and out.dtype == np.float32
    assert np.corrcoef(out, prepare_image(X[7]))[0, 1] > 0.95
    r, c = com(out)
    assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5
    assert prepare_image(str(path)).shape == (784,)


def test_bad_images(tmp_path):
    with pytest.raises(ValueError, match="no digit"):
        prepare_image(np.full((28, 28), 0.7))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        prepare_image(np.zeros((28, 28, 2)))
    with pytest.raises(ValueError, match="at least 8x8"):
        prepare_image(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="NaN"):
        prepare_image(np.full((28, 28), np.nan))
    with pytest.raises(ValueError, match=">= 0"):
        prepare_image(np.full((28, 28), -1.0))
    with pytest.raises(ValueError, match="0..255"):
        prepare_image(np.full((28, 28), 300.0))
    with pytest.raises(TypeError, match="pixel numbers"):
        prepare_image(np.full((28, 28), "a"))
    with pytest.raises(FileNotFoundError, match="no such image"):
        prepare_image(tmp_path / "none.png")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ValueError, match="cannot read it as an image"):
        prepare_image(bad)
