"""helpers.augment: random shifts (and small rotations) of batches of flattened images."""

import numpy as np
import pytest

from helpers.augment import random_rotate, random_shift, random_shifts, rotate, shift


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def one_hot_images(positions, side=28, dtype=np.float32):
    """(n, side*side) images, each with one lit pixel at (row, col)."""
    images = np.zeros((len(positions), side, side), dtype)
    for n, (r, c) in enumerate(positions):
        images[n, r, c] = 1
    return images.reshape(len(positions), -1)


def test_a_shifted_pixel_lands_where_expected(rng):
    positions = [(10, 10)] * 25
    dys, dxs = np.meshgrid(np.arange(-2, 3), np.arange(-2, 3), indexing="ij")
    dy, dx = dys.ravel(), dxs.ravel()
    out = shift(one_hot_images(positions), dy, dx)
    assert out.shape == (25, 784) and out.dtype == np.float32
    lit = [tuple(np.argwhere(img.reshape(28, 28))[0]) for img in out]
    assert lit == [(10 + a, 10 + b) for a, b in zip(dy, dx, strict=True)]  # down by dy, right by dx
    assert np.all(out.sum(axis=1) == 1)


def test_shift_of_a_real_looking_image_is_a_translation(rng):
    img = np.zeros((28, 28), np.float64)
    img[8:20, 9:18] = rng.random((12, 9))
    out = shift(img.reshape(1, 784), np.array([2]), np.array([-1])).reshape(28, 28)
    np.testing.assert_array_equal(out[10:22, 8:17], img[8:20, 9:18])
    assert out.sum() == pytest.approx(img.sum())
    assert out.dtype == np.float64


def test_ink_pushed_out_is_lost_and_the_rest_zero_filled():
    images = np.ones((2, 784), np.float32)
    out = shift(images, np.array([2, 0]), np.array([0, -3])).reshape(2, 28, 28)
    assert np.all(out[0, :2] == 0) and np.all(out[0, 2:] == 1)
    assert np.all(out[1, :, -3:] == 0) and np.all(out[1, :, :-3] == 1)
    assert np.all(shift(images, 28, 0) == 0)  # out of the frame entirely


def test_random_shift_preserves_the_mass_when_no_ink_leaves(rng):
    # digits with a 2-pixel empty border, as MNIST's 20x20 boxes in 28x28 have
    images = np.zeros((500, 28, 28), np.float32)
    images[:, 2:-2, 2:-2] = rng.random((500, 24, 24), dtype=np.float32)
    flat = images.reshape(500, 784)
    out = random_shift(flat, k=2, rng=rng)
    np.testing.assert_allclose(out.sum(axis=1), flat.sum(axis=1), rtol=1e-5)
    assert not np.array_equal(out, flat)
    np.testing.assert_array_equal(np.sort(out, axis=1), np.sort(flat, axis=1))  # same pixels


def test_the_shift_distribution_covers_minus_k_to_k(rng):
    dy, dx = random_shifts(5000, 2, rng=rng)
    assert dy.shape == dx.shape == (5000,)
    for d in (dy, dx):
        values, counts = np.unique(d, return_counts=True)
        assert values.tolist() == [-2, -1, 0, 1, 2]
        assert np.all(np.abs(counts / 5000 - 0.2) < 0.03)  # uniform: sd about 0.006
    pairs = np.unique(np.stack([dy, dx], 1), axis=0)
    assert len(pairs) == 25


def test_random_shift_uses_random_shifts_and_the_same_seed_repeats(rng):
    images = one_hot_images([(14, 14)] * 300)
    a = random_shift(images, k=3, rng=np.random.default_rng(5))
    b = random_shift(images, k=3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    dy, dx = random_shifts(300, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, shift(images, dy, dx))
    lit = np.argwhere(a.reshape(300, 28, 28))[:, 1:] - 14
    assert lit.min() == -3 and lit.max() == 3
    np.testing.assert_array_equal(random_shift(images, k=0, rng=rng), images)


def test_into_a_preallocated_output(rng):
    images = rng.random((64, 784), dtype=np.float32)
    buf = np.full_like(images, 7.0)
    out = random_shift(images, rng=rng, out=buf)
    assert out is buf
    assert buf.max() <= 1  # the old contents were overwritten or zero-filled
    images3 = images.reshape(64, 28, 28)
    out3 = shift(images3, 1, 1)
    assert out3.shape == (64, 28, 28)
    np.testing.assert_array_equal(out3[:, 1:, 1:], images3[:, :-1, :-1])


@pytest.mark.parametrize(
    "images, kwargs, err, match",
    [
        (np.zeros((4, 784), np.uint8), {}, TypeError, "scale uint8"),
        (np.zeros((4, 784), np.int64), {}, TypeError, "float32 or float64"),
        (np.zeros((4, 780), np.float32), {}, ValueError, "square images"),
        (np.zeros(784, np.float32), {}, ValueError, "single image"),
        (np.zeros((4, 28, 27), np.float32), {}, ValueError, r"\(N, 28, 28\)"),
        (np.zeros((4, 784), np.float32), {"k": -1}, ValueError, "k must be an integer"),
        (np.zeros((4, 784), np.float32), {"k": 28}, ValueError, "k must be an integer"),
        (np.zeros((4, 784), np.float32), {"k": 1.5}, ValueError, "k must be an integer"),
        (np.zeros((4, 784), np.float32), {"out": np.zeros((4, 784))}, ValueError, "float32"),
        (
            np.zeros((4, 784), np.float32),
            {"out": np.zeros((3, 784), np.float32)},
            ValueError,
            r"shape \(4, 784\)",
        ),
        (
            np.zeros((4, 784), np.float32),
            {"out": np.zeros((784, 4), np.float32).T},
            ValueError,
            "C-contiguous",
        ),
    ],
)
def test_bad_inputs(rng, images, kwargs, err, match):
    with pytest.raises(err, match=match):
        random_shift(images, rng=rng, **kwargs)


def test_bad_rng_and_shifts_and_overlap(rng):
    images = np.zeros((4, 784), np.float32)
    with pytest.raises(TypeError, match="default_rng"):
        random_shift(images, rng=0)
    with pytest.raises(ValueError, match="overlap"):
        shift(images, 1, 1, out=images)
    with pytest.raises(TypeError, match="integer pixel offsets"):
        shift(images, np.full(4, 1.5), 0)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        shift(images, np.zeros(3, int), 0)


def test_rotation_by_90_degrees_moves_a_pixel_exactly():
    # counter-clockwise: (row 3, col 20) -> (row 27 - 20, col 3)
    out = rotate(one_hot_images([(3, 20), (3, 20)]), np.array([90.0, 0.0]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0].reshape(28, 28)[7, 3], 1, atol=1e-5)
    assert out[0].sum() == pytest.approx(1, abs=1e-5)
    np.testing.assert_allclose(out[1], one_hot_images([(3, 20)])[0], atol=1e-6)


def test_small_random_rotations_keep_most_ink_and_stay_in_range(rng):
    images = np.zeros((200, 28, 28), np.float32)
    images[:, 6:22, 10:18] = 1.0  # a bar, far from the border
    out = random_rotate(images.reshape(200, 784), 10, rng=rng)
    assert out.dtype == np.float32 and out.shape == (200, 784)
    assert out.min() >= 0 and out.max() <= 1 + 1e-6
    np.testing.assert_allclose(out.sum(axis=1), images.sum(axis=(1, 2)), rtol=0.02)
    assert not np.allclose(out, images.reshape(200, 784))
    with pytest.raises(ValueError, match=r"\[0, 180\]"):
        random_rotate(images, 200, rng=rng)
    with pytest.raises(ValueError, match="finite"):
        rotate(images, np.nan)
