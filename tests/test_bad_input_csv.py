"""Issue 14, class 4: CSV files as they come from elsewhere.

A wrong separator, a missing header row (the common ``mnist_train.csv``), pandas' default
index column, whole numbers written as floats, the other common column names, a
competition zip, a missing file: each recognised and explained in one line, or accepted
where that is harmless. A ``.csv.gz`` name compresses, an archive name refuses. Labels of
shape (N, 1) get the hint ``ravel()``, not ``argmax(axis=1)``.
"""

import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest

from helpers import data, functions, plots

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(3, 784), dtype=np.uint8)
LABELS = np.array([5, 0, 4])


def frame(labels=True) -> pd.DataFrame:
    out = pd.DataFrame(IMAGES.astype(np.int64), columns=data.PIXEL_COLUMNS)
    if labels:
        out.insert(0, "label", LABELS)
    return out


def one_line_error(path) -> str:
    with pytest.raises(data.DataError) as excinfo:
        data.read_kaggle_csv(path)
    msg = str(excinfo.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg
    return msg


def assert_reads_back(path, labels=True):
    images, got = data.read_kaggle_csv(path)
    np.testing.assert_array_equal(images, IMAGES)
    if labels:
        np.testing.assert_array_equal(got, LABELS)
    else:
        assert got is None


# --------------------------------------------------------------------------------------
# Recognised and explained
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "words"), [(";", "semicolons (';')"), ("\t", "tabs ('\\t')"),
                                            ("|", "vertical bars ('|')")])
def test_wrong_separator(tmp_path, sep, words):
    path = tmp_path / "semi.csv"
    frame().to_csv(path, sep=sep, index=False)
    msg = one_line_error(path)
    assert f"the values are separated by {words}, expected commas" in msg
    assert f"pd.read_csv(path, sep={sep!r})" in msg


def test_missing_header_row_mnist_train_csv(tmp_path):
    path = tmp_path / "mnist_train.csv"
    frame().to_csv(path, header=False, index=False)
    msg = one_line_error(path)
    assert "no header row: the first line holds numbers (5, " in msg
    assert "the header-less layout of mnist_train.csv (785 columns: label then 784 pixels)" in msg
    assert "frame.columns = ['label', *data.PIXEL_COLUMNS]" in msg


def test_missing_header_row_test_file(tmp_path):
    path = tmp_path / "mnist_test_pixels.csv"
    frame(labels=False).to_csv(path, header=False, index=False)
    msg = one_line_error(path)
    assert "784 columns of pixels without a header" in msg
    assert "frame.columns = data.PIXEL_COLUMNS" in msg


def test_competition_zip(tmp_path):
    path = tmp_path / "digit-recognizer.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("sample_submission.csv", "test.csv", "train.csv"):
            archive.writestr(name, "ImageId,Label\n1,0\n")
    msg = one_line_error(path)
    assert "a zip archive holding sample_submission.csv, test.csv, train.csv" in msg
    assert f"unzip it and pass one of its CSV files, e.g. {tmp_path / 'train.csv'}" in msg


def test_zip_named_csv_is_still_recognised(tmp_path):
    path = tmp_path / "train.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train.csv", frame().to_csv(index=False))
    assert "a zip archive holding train.csv" in one_line_error(path)


def test_index_column_that_is_not_the_default_index(tmp_path):
    path = tmp_path / "i.csv"
    frame().set_axis([10, 11, 12]).to_csv(path)
    msg = one_line_error(path)
    assert "the first column has no name and does not hold 0..N-1" in msg
    assert "to_csv without index=False" in msg


def test_text_cell_names_the_value_and_row(tmp_path):
    f = frame().astype({"pixel3": object})
    f.loc[1, "pixel3"] = "12 "
    f.loc[2, "pixel3"] = "x7"
    path = tmp_path / "t.csv"
    f.to_csv(path, index=False)
    msg = one_line_error(path)
    assert "column 'pixel3' holds " in msg and "values, e.g. 'x7' in row 3 (in 1 of 785" in msg


def test_missing_file_names_what_is_there(tmp_path):
    (tmp_path / "train.csv.gz").write_bytes(b"")
    with pytest.raises(data.DataNotFoundError) as excinfo:
        data.read_kaggle_csv(tmp_path / "train.csv")
    msg = str(excinfo.value)
    assert msg.startswith(f"{tmp_path / 'train.csv'}: no such file")
    assert "that folder holds train.csv.gz" in msg
    with pytest.raises(data.DataError, match="a folder, not a CSV file"):
        data.read_kaggle_csv(tmp_path)


def test_plain_text_under_a_gz_name(tmp_path):
    path = tmp_path / "old.csv.gz"
    path.write_text(frame().to_csv(index=False))  # what the old writer left behind
    assert "not a readable CSV file (Not a gzipped file" in one_line_error(path)


# --------------------------------------------------------------------------------------
# Accepted, because harmless
# --------------------------------------------------------------------------------------


def test_pandas_default_index_is_accepted(tmp_path):
    frame().to_csv(tmp_path / "with_index.csv")  # index=False forgotten
    assert_reads_back(tmp_path / "with_index.csv")
    frame(labels=False).to_csv(tmp_path / "test_with_index.csv")
    assert_reads_back(tmp_path / "test_with_index.csv", labels=False)


def test_whole_numbers_written_as_floats_are_accepted(tmp_path):
    frame().astype(np.float64).to_csv(tmp_path / "floats.csv", index=False)  # 5.0, 0.0, ...
    assert (tmp_path / "floats.csv").read_text().splitlines()[1].startswith("5.0,")
    assert_reads_back(tmp_path / "floats.csv")


def test_non_whole_floats_are_still_refused(tmp_path):
    f = frame().astype({"pixel5": float})
    f.loc[0, "pixel5"] = 12.5
    f.to_csv(tmp_path / "n.csv", index=False)
    msg = one_line_error(tmp_path / "n.csv")  # the message 00-mnist shows, unchanged
    assert msg.endswith("column 'pixel5' holds float64 values (in 1 of 785 columns); "
                        "expected whole numbers")


def test_mnist_in_csv_column_names_are_accepted(tmp_path):
    f = frame()
    f.columns = ["label"] + [f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)]
    f.to_csv(tmp_path / "mnist_in_csv.csv", index=False)
    assert_reads_back(tmp_path / "mnist_in_csv.csv")


def test_gzip_csv_is_read(tmp_path):
    frame().to_csv(tmp_path / "train.csv.gz", index=False)
    assert_reads_back(tmp_path / "train.csv.gz")


# --------------------------------------------------------------------------------------
# Writing: a compressed name compresses or refuses
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.bz2", ".csv.xz"])
def test_compressed_names_compress(tmp_path, suffix):
    path = data.write_kaggle_csv(tmp_path / f"train{suffix}", IMAGES, LABELS)
    assert path.read_bytes()[:1] != b"l"  # not plain text
    if suffix == ".csv.gz":
        assert gzip.decompress(path.read_bytes()).startswith(b"label,pixel0,")
    assert_reads_back(path)
    sub = data.write_submission(tmp_path / f"submission{suffix}", LABELS)
    assert pd.read_csv(sub)["Label"].tolist() == LABELS.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"train{suffix}", f"submission{suffix}"])


@pytest.mark.parametrize("suffix", [".zip", ".zst"])
def test_archive_names_refuse_and_write_nothing(tmp_path, suffix):
    with pytest.raises(ValueError) as excinfo:
        data.write_submission(tmp_path / f"submission.csv{suffix}", LABELS)
    assert f"cannot write a {suffix} file; use a .csv name, or .csv.gz" in str(excinfo.value)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------
# Label arrays of shape (N, 1): ravel(), not argmax
# --------------------------------------------------------------------------------------

COLUMN = LABELS.reshape(-1, 1)


@pytest.mark.parametrize("call", [
    lambda: data.check_labels(COLUMN),
    lambda: data.one_hot(COLUMN),
    lambda: data.write_submission("never-written.csv", COLUMN),
    lambda: functions.cross_entropy(np.zeros((3, 10)), COLUMN),
    lambda: plots.digit_grid(IMAGES, labels=COLUMN),
], ids=["check_labels", "one_hot", "write_submission", "cross_entropy", "digit_grid"])
def test_column_of_labels_gets_the_ravel_hint(call):
    with pytest.raises(ValueError) as excinfo:
        call()
    msg = str(excinfo.value)
    assert "(3, 1)" in msg and ".ravel()" in msg and "argmax" not in msg


def test_one_hot_rows_keep_the_argmax_hint():
    with pytest.raises(ValueError, match=r"one-hot rows\? use labels.argmax\(axis=1\)"):
        data.check_labels(np.eye(10, dtype=np.int64)[:3])
