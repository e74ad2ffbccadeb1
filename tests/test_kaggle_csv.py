"""The Kaggle "Digit Recognizer" CSV layout: read, write, validate, and submissions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import data

PIXELS = [f"pixel{i}" for i in range(784)]


def rows_of(n: int, seed: int = 0, label: bool = True) -> tuple[list[str], list[list[str]]]:
    """A valid table as strings: (columns, rows)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(n, 784))
    labels = rng.integers(0, 10, size=n)
    columns = (["label"] if label else []) + PIXELS
    rows = [([str(lab)] if label else []) + [str(v) for v in row]
            for lab, row in zip(labels, pixels, strict=True)]
    return columns, rows


def write(path, columns, rows) -> None:
    lines = [",".join(columns)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 4), st.booleans(), st.booleans(), st.integers(0, 2**16))
def test_round_trip(tmp_path_factory, n, with_labels, square, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[-1, -1, -1] = 0, 255  # both ends of the range
    labels = rng.integers(0, 10, size=n) if with_labels else None
    path = tmp_path_factory.mktemp("csv") / "train.csv"
    data.write_kaggle_csv(path, images if square else images.reshape(n, 784), labels)
    header = path.read_text().splitlines()[0]
    assert header == ",".join((["label"] if with_labels else []) + PIXELS)
    assert listing(path.parent) == ["train.csv"]  # written atomically: no temp file
    back, back_labels = data.read_kaggle_csv(path)
    assert back.dtype == np.uint8 and back.shape == (n, 784)
    np.testing.assert_array_equal(back, images.reshape(n, 784))
    if with_labels:
        assert back_labels.dtype == np.int64
        np.testing.assert_array_equal(back_labels, labels)
    else:
        assert back_labels is None


def test_read_hand_written_file(tmp_path):
    columns, rows = rows_of(3, seed=4)
    write(tmp_path / "t.csv", columns, rows)
    images, labels = data.read_kaggle_csv(tmp_path / "t.csv")
    assert labels.tolist() == [int(r[0]) for r in rows]
    assert images[2, 783] == int(rows[2][784])


def test_real_digits_round_trip(tmp_path):
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 5:20, 14] = 255  # a "1"
    images[1, 10, 5:20] = 128
    path = data.write_kaggle_csv(tmp_path / "sub" / "d.csv", images, np.array([1, 7]))
    assert path == tmp_path / "sub" / "d.csv"  # parent folder created
    back, labels = data.read_kaggle_csv(path)
    np.testing.assert_array_equal(back.reshape(2, 28, 28), images)
    assert labels.tolist() == [1, 7]


# --------------------------------------------------------------------------------------
# Malformed files
# --------------------------------------------------------------------------------------


def _missing(c, r):
    return c[:-1], [row[:-1] for row in r]


def _extra(c, r):
    return c + ["extra"], [row + ["0"] for row in r]


def _swapped(c, r):
    def swap(xs):
        xs = list(xs)
        xs[1], xs[2] = xs[2], xs[1]
        return xs

    return swap(c), [swap(row) for row in r]


def _cell(row, col, value):
    def edit(c, r):
        r = [list(x) for x in r]
        r[row][c.index(col)] = value
        return c, r

    return edit


def _label_last(c, r):
    return c[1:] + c[:1], [row[1:] + row[:1] for row in r]


def _header_only(c, r):
    return c, []


MALFORMED = {
    "missing-column": (_missing, ["missing ['pixel783']"]),
    "extra-column": (_extra, ["unexpected ['extra']"]),
    "out-of-order": (_swapped, ["columns out of order"]),
    "label-last": (_label_last, ["unexpected ['label']"]),
    "empty-cell": (_cell(1, "pixel5", ""), ["empty cell in row 2 column 'pixel5'"]),
    "text-value": (_cell(0, "pixel3", "abc"), ["column 'pixel3'", "expected whole numbers"]),
    "float-value": (_cell(2, "pixel9", "1.5"), ["column 'pixel9' holds float64",
                                                "whole numbers"]),
    "float-label": (_cell(0, "label", "2.5"), ["column 'label'", "whole numbers"]),
    "pixel-256": (_cell(0, "pixel7", "256"), ["pixel value 256 in row 1 column 'pixel7'",
                                              "expected 0..255"]),
    "pixel-minus-1": (_cell(2, "pixel783", "-1"), ["pixel value -1 in row 3 column 'pixel783'"]),
    "label-10": (_cell(1, "label", "10"), ["label 10 in row 2", "expected 0..9"]),
    "label-minus-1": (_cell(2, "label", "-1"), ["label -1 in row 3"]),
    "header-only": (_header_only, ["header but no rows"]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_training_file(tmp_path, case):
    edit, expected = MALFORMED[case]
    columns, rows = edit(*rows_of(3))
    path = tmp_path / f"{case}.csv"
    write(path, columns, rows)
    with pytest.raises(data.DataError) as excinfo:
        data.read_kaggle_csv(path)
    msg = str(excinfo.value)
    assert msg.startswith(f"{path}: ")
    for part in expected:
        assert part in msg


def test_malformed_test_file(tmp_path):
    columns, rows = rows_of(2, label=False)
    rows[1][0] = "300"
    write(tmp_path / "test.csv", columns, rows)
    with pytest.raises(data.DataError, match="pixel value 300 in row 2 column 'pixel0'"):
        data.read_kaggle_csv(tmp_path / "test.csv")


def test_layout_error_names_both_layouts(tmp_path):
    write(tmp_path / "x.csv", *_missing(*rows_of(1)))
    with pytest.raises(data.DataError) as excinfo:
        data.read_kaggle_csv(tmp_path / "x.csv")
    assert "'label, pixel0, ..., pixel783'" in str(excinfo.value)
    assert "'pixel0, ..., pixel783' (test)" in str(excinfo.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not a readable CSV file"),
        (b"\n\n", "not a readable CSV file"),
        (bytes(range(128, 256)) * 10, "not a readable CSV file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "not a readable CSV file"),
        (b'"unclosed\n1,2\n', "not a readable CSV file"),
        (b"hello world\nthis is not a csv file\n", "expected the Kaggle layout"),
    ],
    ids=["empty", "blank-lines", "binary", "png", "unclosed-quote", "prose"],
)
def test_garbage(tmp_path, content, expected):
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    with pytest.raises(data.DataError) as excinfo:
        data.read_kaggle_csv(path)
    assert str(path) in str(excinfo.value) and expected in str(excinfo.value)


def test_ragged_row(tmp_path):
    columns, rows = rows_of(3)
    rows[1] = rows[1] + ["5"]
    write(tmp_path / "r.csv", columns, rows)
    with pytest.raises(data.DataError, match="not a readable CSV file"):
        data.read_kaggle_csv(tmp_path / "r.csv")


# --------------------------------------------------------------------------------------
# write_kaggle_csv bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("images", "labels", "error", "match"),
    [
        (np.zeros((2, 784), np.float32), None, TypeError, "uint8"),
        (np.zeros((2, 28, 27), np.uint8), None, ValueError, "784 pixels"),
        (np.zeros((2, 784), np.uint8), np.array([1]), ValueError, "expected 2 labels"),
        (np.zeros((2, 784), np.uint8), np.array([1, 10]), ValueError, r"0\.\.9"),
        (np.zeros((2, 784), np.uint8), np.array([1.0, 2.0]), TypeError, "integers"),
    ],
    ids=["float-images", "wrong-size", "label-count", "label-range", "float-labels"],
)
def test_write_kaggle_csv_rejects(tmp_path, images, labels, error, match):
    with pytest.raises(error, match=match):
        data.write_kaggle_csv(tmp_path / "out.csv", images, labels)
    assert listing(tmp_path) == []


# --------------------------------------------------------------------------------------
# write_submission
# --------------------------------------------------------------------------------------


def test_write_submission(tmp_path):
    path = data.write_submission(tmp_path / "submission.csv", np.array([7, 2, 1, 0], np.uint8))
    assert path.read_text().splitlines() == ["ImageId,Label", "1,7", "2,2", "3,1", "4,0"]
    assert listing(tmp_path) == ["submission.csv"]  # no temporary file left


def test_write_submission_from_probabilities(tmp_path):
    probs = np.random.default_rng(0).random((5, 10))
    path = data.write_submission(tmp_path / "s.csv", probs.argmax(axis=1))
    lines = path.read_text().splitlines()
    assert [int(line.split(",")[0]) for line in lines[1:]] == [1, 2, 3, 4, 5]
    assert [int(line.split(",")[1]) for line in lines[1:]] == probs.argmax(axis=1).tolist()


@pytest.mark.parametrize(
    ("predictions", "error", "match"),
    [
        (np.array([0.0, 1.0]), TypeError, "integers 0..9, got dtype float64"),
        (np.eye(10, dtype=np.int64)[:2], ValueError, "one-hot"),
        (np.array([3, 10]), ValueError, r"0\.\.9, found 10"),
        (np.array([-1, 3]), ValueError, r"0\.\.9, found -1"),
    ],
    ids=["floats", "2-D", "ten", "negative"],
)
def test_write_submission_rejects(tmp_path, predictions, error, match):
    with pytest.raises(error, match=match):
        data.write_submission(tmp_path / "submission.csv", predictions)
    assert listing(tmp_path) == []  # an invalid call leaves no file at all


def test_invalid_submission_keeps_the_previous_file(tmp_path):
    path = data.write_submission(tmp_path / "submission.csv", np.array([1, 2]))
    before = path.read_text()
    with pytest.raises(ValueError):
        data.write_submission(path, np.array([1, 11]))
    assert path.read_text() == before and listing(tmp_path) == ["submission.csv"]


def test_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(data.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        data.write_submission(tmp_path / "submission.csv", np.array([1, 2]))
    assert listing(tmp_path) == []


# --------------------------------------------------------------------------------------
# Files longer than one chunk (read and written 10,000 rows at a time)
# --------------------------------------------------------------------------------------


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 7 rows, so a 20-row file spans three of them (the code path of a
    60,000-row file, without writing one)."""
    monkeypatch.setattr(data, "_CSV_CHUNK_ROWS", 7)
    return 7


@pytest.mark.parametrize("name", ["train.csv", "train.csv.gz"])
def test_round_trip_across_chunks(tmp_path, small_chunks, name):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(20, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, size=20)
    path = data.write_kaggle_csv(tmp_path / name, images, labels)
    if name.endswith(".csv"):
        lines = path.read_text().splitlines()
        assert len(lines) == 21 and lines.count(lines[0]) == 1  # one header, 20 rows
    back, back_labels = data.read_kaggle_csv(path)
    np.testing.assert_array_equal(back, images)
    np.testing.assert_array_equal(back_labels, labels)
    assert listing(tmp_path) == [name]


def test_errors_in_a_later_chunk_name_the_row_of_the_file(tmp_path, small_chunks):
    columns, rows = rows_of(20)
    rows[16][5] = "300"  # row 17 of the file, in the third chunk: pixel4
    write(tmp_path / "bad.csv", columns, rows)
    with pytest.raises(data.DataError, match=r"pixel value 300 in row 17 column 'pixel4'"):
        data.read_kaggle_csv(tmp_path / "bad.csv")
    columns, rows = rows_of(20)
    rows[9][0] = "12"  # a label out of range in row 10, the second chunk
    write(tmp_path / "label.csv", columns, rows)
    with pytest.raises(data.DataError, match=r"label 12 in row 10;"):
        data.read_kaggle_csv(tmp_path / "label.csv")
    columns, rows = rows_of(20)
    rows[14][3] = ""  # an empty cell in row 15
    write(tmp_path / "empty.csv", columns, rows)
    with pytest.raises(data.DataError, match=r"empty cell in row 15 column 'pixel2'"):
        data.read_kaggle_csv(tmp_path / "empty.csv")


def test_a_pandas_index_column_is_accepted_across_chunks(tmp_path, small_chunks):
    columns, rows = rows_of(20)
    write(tmp_path / "indexed.csv", [""] + columns, [[str(i)] + r for i, r in enumerate(rows)])
    images, labels = data.read_kaggle_csv(tmp_path / "indexed.csv")
    assert images.shape == (20, 784) and labels.shape == (20,)
    # an index that restarts in a later chunk is not pandas' 0..N-1
    write(tmp_path / "restart.csv", [""] + columns,
          [[str(i % 10)] + r for i, r in enumerate(rows)])
    with pytest.raises(data.DataError, match="does not hold 0..N-1"):
        data.read_kaggle_csv(tmp_path / "restart.csv")
