"""Self-checks for the exercise notebooks: the shared machinery.

A check calls the student's function on several inputs ("cases"), compares each result
with a reference the check computes on its own, and then either prints one pass line::

    ✔ softmax: all 7 checks passed

or raises :class:`CheckFailure` with a message that names the case and the likely mistake::

    CheckFailure: softmax failed check 5 of 7 (logits of -1000, float64):
      the result contains NaN or inf.
      Likely mistake: no max-subtraction ...

A ``NotImplementedError`` raised by a student stub propagates unchanged, so an unfinished
exercise says "not implemented yet" rather than "wrong". Any other exception raised by the
student's code becomes a CheckFailure that says with which inputs it happened.

A topic's check module (e.g. ``helpers.checks.softmax_regression``) uses it like this::

    def check_softmax(softmax):
        check = Check("softmax", total=7)
        with check.case("single example [1, 2, 3], float64"):
            got = check.call(softmax, z)            # copies z; detects in-place changes
            check.array(got, shape=z.shape, dtype=z.dtype)
            check.finite(got, hint="no max-subtraction?")
            check.close(got, want, mistakes=[(e / e.sum(axis=0), "wrong axis ...")])
        ...
        check.passed()

Besides the mistakes a check lists explicitly (candidate wrong answers computed from the
same inputs), :meth:`Check.close` recognises generic ones on its own: a result off by a
constant factor (the batch size N: "forgot to divide by the batch size"; 1/N; -1: a sign
error; 2 or 1/2), and a transposed result.
"""

from __future__ import annotations

import copy as _copy
import numbers
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CheckFailure",
    "Check",
    "check_number",
    "tolerances",
    "describe_difference",
    "as_float_array",
]

#: The mark that starts every pass line.
PASS = "✔"


class CheckFailure(AssertionError):
    """A self-check found a wrong result; the message names the likely mistake."""


def tolerances(dtype) -> tuple[float, float]:
    """``(rtol, atol)`` for comparing results of a given float dtype with a reference.

    Loose enough for any correct way of computing the result (another order of summation,
    the log-sum-exp form, float32 arithmetic), tight enough that every mistake the checks
    look for is far outside them.
    """
    if np.dtype(dtype) == np.float32:
        return 2e-4, 1e-6
    return 1e-7, 1e-10


def _fmt(x: Any) -> str:
    """A short, stable text for a number or a small array in a message."""
    if isinstance(x, np.ndarray):
        if x.size > 8:
            return f"array of shape {x.shape}"
        return np.array2string(x, precision=4, suppress_small=True, separator=", ")
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return f"{float(x):.6g}"
    if isinstance(x, str | bool | type(None)):
        text = repr(x)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(x, tuple | list | dict):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"a {type(x).__name__}"


def _kind(x: Any) -> str:
    """What a value is, for messages: 'None', 'a list of length 3', 'a generator', ..."""
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    if isinstance(x, tuple | list | dict | set):
        return f"a {type(x).__name__} of length {len(x)}"
    if isinstance(x, str):
        return f"a string ({_fmt(x)})"
    return f"a {type(x).__name__}"


def as_float_array(x: Any, what: str = "the result") -> np.ndarray:
    """``x`` as a float64 array, or a CheckFailure saying what it is instead.

    Never raises anything else: ragged nested lists, strings, None, generators and objects
    all become a clear message.
    """
    if isinstance(x, np.ndarray) and x.dtype != object:
        try:
            return x.astype(np.float64)
        except (TypeError, ValueError):
            pass
    elif isinstance(x, numbers.Number | np.generic) and not isinstance(x, str):
        try:
            return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            pass
    elif isinstance(x, tuple | list):
        try:
            with np.errstate(all="ignore"):
                return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            pass
    raise CheckFailure(f"{what} should hold numbers, got {_kind(x)}")


def _deep_copy(value: Any) -> Any:
    """A copy of an argument that the student's code might change: arrays, and dicts,
    lists and tuples of them (anything else is passed as it is)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict | list | tuple):
        try:
            return _copy.deepcopy(value)
        except Exception:  # an uncopyable member: pass the value itself
            return value
    return value


def _read_only(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        view = value.view()
        view.setflags(write=False)
        return view
    return value


def _same(a: Any, b: Any) -> bool:
    """Whether an argument ``b`` still equals its copy ``a`` after the call."""
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    return True


def _changed_where(a: Any, b: Any, path: str = "") -> str:
    """Which part of an argument changed: 'its entry ["W1"]', or ''."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path} (keys added or removed)".strip()
        for k in a:
            if not _same(a[k], b[k]):
                return _changed_where(a[k], b[k], f"{path}[{k!r}]")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not _same(x, y):
                return _changed_where(x, y, f"{path}[{i}]")
    return path


class _Case:
    """The context manager of :meth:`Check.case`.

    A CheckFailure raised inside is reworded in place and loses the traceback of the
    check's internals, so that a notebook shows the student's cell and the message, not
    the machinery (frames marked ``__tracebackhide__`` are hidden by IPython and pytest).
    """

    def __init__(self, check: Check, description: str):
        self.check = check
        self.description = description

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        __tracebackhide__ = True
        check = self.check
        if exc is None:
            check.n += 1
            return False
        if isinstance(exc, CheckFailure):
            total = f" of {check.total}" if check.total else ""
            exc.args = (
                f"{check.name} failed check {check.n + 1}{total} ({self.description}):\n"
                f"{_wrap(str(exc))}",
            )
            exc.with_traceback(None)
        return False


class Check:
    """One self-check: a named sequence of cases, each allowed to fail with a diagnosis.

    name: what is checked (the student function's name), used in every message.
    total: how many cases the check will run (for "check 3 of 7" in messages).
    error_hint: added to the message when the student's code raises an exception.
    """

    def __init__(self, name: str, total: int | None = None, error_hint: str = ""):
        self.name = name
        self.total = total
        self.error_hint = error_hint
        self.n = 0

    # -- structure ------------------------------------------------------------------------

    def case(self, description: str) -> _Case:
        """Run one case (``with check.case("..."):``); a CheckFailure inside gets the
        check's name, the case number and its description prefixed."""
        return _Case(self, description)

    def passed(self, extra: str = "") -> None:
        """Print the pass line, e.g. ``✔ softmax: all 7 checks passed``."""
        passed(self.name, self.n, extra)

    # -- calling the student's code -------------------------------------------------------

    def call(self, fn: Callable, *args, copy: bool = True, readonly: bool = False, **kwargs):
        """``fn(*args, **kwargs)``, guarded.

        Array arguments, and dicts, lists and tuples (of arrays), are passed as copies and
        compared with the originals afterwards, so a function that changes its input in
        place is caught (the caller's data would be silently corrupted). NotImplementedError
        propagates unchanged; any other exception becomes a CheckFailure naming the input
        shapes. ``readonly=True`` passes large arrays as read-only views instead of copies
        (an in-place change then fails at once and is diagnosed as such); ``copy=False``
        passes arguments as they are.
        """
        __tracebackhide__ = True
        if not callable(fn):
            raise CheckFailure(
                f"expected a function, got {_kind(fn)}: pass the function itself, "
                f"e.g. check_{self.name}({self.name}), not the result of calling it"
            )
        originals = list(args) + list(kwargs.values())
        if readonly:
            args = tuple(_read_only(a) for a in args)
            kwargs = {k: _read_only(v) for k, v in kwargs.items()}
        elif copy:
            args = tuple(_deep_copy(a) for a in args)
            kwargs = {k: _deep_copy(v) for k, v in kwargs.items()}
        passed = list(args) + list(kwargs.values())
        try:
            with np.errstate(all="ignore"):
                result = fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as err:
            if readonly and isinstance(err, ValueError) and "read-only" in str(err):
                raise CheckFailure(self._in_place_message("array", ())) from None
            raise CheckFailure(
                f"{self.name}({describe_args(args, kwargs)}) raised "
                f"{type(err).__name__}: {_short(str(err))}{_error_hint(err)}"
                + (f"\n  Hint: {self.error_hint}" if self.error_hint else "")
            ) from err
        if copy and not readonly:
            for original, given in zip(originals, passed, strict=True):
                if isinstance(original, np.ndarray | dict | list | tuple) and not _same(
                    original, given
                ):
                    if isinstance(original, np.ndarray):
                        raise CheckFailure(self._in_place_message("array", original.shape))
                    where = _changed_where(original, given)
                    raise CheckFailure(self._in_place_message(type(original).__name__, where=where))
        if result is None:
            raise CheckFailure(f"{self.name} returned None: is the `return` statement missing?")
        return result

    def _in_place_message(self, kind: str, shape: tuple = (), where: str = "") -> str:
        if kind == "array":
            of = f" of shape {shape}" if shape else ""
            return (
                f"{self.name} changed its input array{of} in place. Likely mistake: an "
                f"in-place operation on an argument (e.g. `z -= z.max(...)`, `z /= T` or "
                f"`np.exp(z, out=z)`); write `z = z - ...` instead, so the caller's data "
                f"stay untouched."
            )
        part = f" (its entry {where})" if where else ""
        return (
            f"{self.name} changed the {kind} it was given{part}. Likely mistake: an in-place "
            f"update of an argument (e.g. `params['W1'] -= ...` or a dict entry replaced); "
            f"work on new arrays and leave the caller's {kind} as it was."
        )

    def values(self, got: Any, n: int, names: str, what: str | None = None) -> tuple:
        """``got`` as a tuple of ``n`` values (a tuple or list of that length), else a
        failure saying what to return."""
        __tracebackhide__ = True
        what = what or self.name
        if isinstance(got, tuple | list) and len(got) == n:
            return tuple(got)
        if isinstance(got, tuple | list):
            raise CheckFailure(f"{what} should return {n} values ({names}), got {len(got)} values")
        raise CheckFailure(f"{what} should return {n} values ({names}), got {_kind(got)}")

    def number(self, got: Any, what: str = "the result", n: int | None = None) -> float:
        """``got`` as one finite-or-not Python float (a float, an int, a NumPy scalar or a
        one-entry array), else a failure saying what it is."""
        __tracebackhide__ = True
        if isinstance(got, bool | np.bool_):
            raise CheckFailure(f"{what} should be a number, got a bool ({got})")
        if isinstance(got, np.ndarray | np.generic):
            if got.size != 1:
                extra = ""
                if n is not None and got.shape == (n,):
                    extra = " (one loss per example): return their mean over the batch, one number"
                raise CheckFailure(
                    f"{what} should be a single number (one number), got an array of shape "
                    f"{got.shape}{extra}"
                )
            if got.dtype.kind not in "fiu":
                raise CheckFailure(f"{what} should be a number, got an array of {got.dtype}")
            return float(got.reshape(()))
        if isinstance(got, numbers.Real):
            return float(got)
        if isinstance(got, tuple | list) and n is not None and len(got) == n:
            raise CheckFailure(
                f"{what} should be a single number, got {_kind(got)} (one loss per "
                f"example): return their mean over the batch, one number"
            )
        raise CheckFailure(f"{what} should be a single number (one number), got {_kind(got)}")

    def raises(self, exc_type: type[Exception], fn: Callable, *args, why: str, **kwargs) -> None:
        """Fail unless ``fn(*args, **kwargs)`` raises ``exc_type``; ``why`` says why it should.

        NotImplementedError propagates unchanged.
        """
        __tracebackhide__ = True
        call = f"{self.name}({describe_args(args, kwargs)})"
        try:
            with np.errstate(all="ignore"):
                fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except exc_type:
            return
        except Exception as err:
            raise CheckFailure(
                f"{call} raised {type(err).__name__} ({_short(str(err))}), expected "
                f"{exc_type.__name__}: {why}"
            ) from err
        raise CheckFailure(f"{call} returned, but should raise {exc_type.__name__}: {why}")

    # -- comparing results ----------------------------------------------------------------

    def array(
        self,
        got: Any,
        shape: tuple[int, ...],
        dtype=None,
        what: str = "the result",
        shape_hint: str = "",
    ) -> np.ndarray:
        """``got`` as an array of the expected shape (and dtype when given), else a failure.

        A shape that is the expected one reversed is diagnosed as a transposed result.
        """
        __tracebackhide__ = True
        if isinstance(got, tuple | list) and not isinstance(got, np.ndarray):
            raise CheckFailure(
                f"{what} should be a NumPy array of shape {shape}, got a {type(got).__name__} "
                f"of length {len(got)}"
            )
        if not isinstance(got, np.ndarray | np.generic):
            raise CheckFailure(
                f"{what} should be a NumPy array of shape {shape}, got {type(got).__name__}"
            )
        got = np.asarray(got)
        if got.dtype.kind not in "biuf":
            raise CheckFailure(
                f"{what} should be a NumPy array of numbers of shape {shape}, got an array of "
                f"dtype {got.dtype}"
            )
        if got.shape != shape:
            if len(shape) == 2 and shape[0] != shape[1] and got.shape == shape[::-1]:
                raise CheckFailure(
                    f"{what} has shape {got.shape}, expected {shape}: it is transposed. "
                    f"Likely mistake: the factors of a matrix product in the wrong order or a "
                    f"missing/extra `.T` (shapes must match: (D, N) @ (N, C) -> (D, C))."
                )
            raise CheckFailure(
                f"{what} has shape {got.shape}, expected {shape}."
                + (f" {shape_hint}" if shape_hint else "")
            )
        if dtype is not None and got.dtype != np.dtype(dtype):
            raise CheckFailure(
                f"{what} has dtype {got.dtype}, expected {np.dtype(dtype)} (the dtype of the "
                f"input). Likely mistake: an array created without `dtype=` (np.zeros((D, C)) "
                f"is float64) or a conversion such as .astype(np.float64); training runs in "
                f"float32, so keep the input's dtype."
            )
        return got

    def finite(self, got: np.ndarray, hint: str, what: str = "the result") -> None:
        """Fail with ``hint`` when ``got`` holds NaN or inf."""
        __tracebackhide__ = True
        got = as_float_array(got, what)
        if not np.isfinite(got).all():
            bad = "NaN" if np.isnan(got).any() else "inf"
            raise CheckFailure(f"{what} contains {bad}.\n  Likely mistake: {hint}")

    def close(
        self,
        got: Any,
        want: np.ndarray | float,
        what: str = "the result",
        mistakes: Sequence[tuple[Any, str]] | Callable[[], Sequence[tuple[Any, str]]] = (),
        n: int | None = None,
        dtype=None,
        generic: bool = True,
    ) -> None:
        """Fail unless ``got`` equals ``want`` within the tolerances of ``dtype``.

        On a mismatch the message names the first matching mistake: each ``(candidate,
        diagnosis)`` of ``mistakes`` is a wrong answer computed from the same inputs (pass a
        function returning the list to compute them only on a mismatch); then (when
        ``generic``) a constant factor, with ``n`` the batch size, and a transpose.
        """
        __tracebackhide__ = True
        got_a = as_float_array(got, what)
        want_a = np.asarray(want, dtype=np.float64)
        if dtype is None:
            dtype = got.dtype if isinstance(got, np.ndarray | np.generic) else np.float64
            if not np.issubdtype(np.dtype(dtype), np.floating):
                dtype = np.float64
        rtol, atol = tolerances(dtype)
        if got_a.shape == want_a.shape and _close(got_a, want_a, rtol, atol):
            return
        if callable(mistakes):
            mistakes = mistakes()
        diagnosis = diagnose(got_a, want_a, mistakes, n=n, rtol=rtol, atol=atol, generic=generic)
        raise CheckFailure(mismatch_message(got_a, want_a, what, diagnosis, rtol=rtol, atol=atol))


def _wrap(text: str, width: int = 88) -> str:
    """Indent and wrap a failure's lines so they read well in a notebook's traceback."""
    return "\n".join(
        textwrap.fill(
            line.strip(),
            width,
            initial_indent="  ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for line in text.splitlines()
        if line.strip()
    )


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> bool:
    """allclose with ``atol`` scaled to the size of the reference."""
    if got.shape != want.shape or not np.isfinite(got).all():
        return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    return bool(np.allclose(got, want, rtol=rtol, atol=atol * scale))


def constant_factor(got: np.ndarray, want: np.ndarray, rtol: float = 1e-4) -> float | None:
    """``k`` when ``got`` equals ``k * want`` for a constant ``k != 1`` (within rtol), else None."""
    if got.shape != want.shape or not np.isfinite(got).all():
        return None
    denom = float(np.sum(want * want))
    if denom == 0.0:
        return None
    k = float(np.sum(got * want)) / denom
    if k == 0.0 or abs(k - 1.0) < 1e-9:
        return None
    if _close(got, k * want, max(rtol, 1e-6), 1e-8):
        return k
    return None


def _factor_diagnosis(k: float, n: int | None) -> str | None:
    """Words for a result off by the constant factor ``k``."""

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-3 * max(abs(a), abs(b))

    if n is not None and n > 1 and near(k, n):
        return (
            f"the result is {n} times too large, and {n} is the batch size N: forgot to "
            f"divide by the batch size (the loss is a mean over the examples, so is its "
            f"gradient)."
        )
    if n is not None and n > 1 and near(k, 1 / n):
        return f"the result is {n} times too small ({n} is the batch size): divided by N twice?"
    if near(k, -1.0):
        return "the result has the wrong sign (e.g. Y - P instead of P - Y, or a missing minus)."
    if near(k, 2.0) or near(k, 0.5):
        return f"the result is off by a factor of {k:g}: a factor 2 or 1/2 too many?"
    if near(k, -2.0) or near(k, -0.5):
        return (
            f"the result is off by a factor of {k:g}: the wrong sign and a factor 2 or 1/2 "
            f"too many."
        )
    return None


def diagnose(
    got: np.ndarray,
    want: np.ndarray,
    mistakes: Sequence[tuple[Any, str]] = (),
    n: int | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    generic: bool = True,
) -> str | None:
    """The diagnosis of the first known mistake that explains ``got``, or None."""
    loose = max(rtol, 1e-5)
    for candidate, diagnosis in mistakes:
        cand = np.asarray(candidate, dtype=np.float64)
        if cand.shape == got.shape and _close(got, cand, loose, max(atol, 1e-9)):
            return diagnosis
    if not generic:
        return None
    k = constant_factor(got, want)
    if k is not None and _factor_diagnosis(k, n) is not None:
        return _factor_diagnosis(k, n)
    if got.ndim == 2 and got.shape == want.shape and got.shape[0] == got.shape[1]:
        if _close(got.T, want, loose, max(atol, 1e-9)):
            return "the result is transposed (rows and columns swapped)."
    return None


def mismatch_message(
    got: np.ndarray,
    want: np.ndarray,
    what: str,
    diagnosis: str | None,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> str:
    """The text of a failed comparison: the diagnosis, or where and how it differs."""
    if diagnosis is not None:
        return f"{what} is wrong.\n  Likely mistake: {diagnosis}"
    if got.shape != want.shape:
        return f"{what} has shape {got.shape}, expected {want.shape}."
    return f"{what} is wrong: {describe_difference(got, want, rtol=max(rtol, 1e-6), atol=atol)}"


def _where(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _list(items, limit: int = 6) -> str:
    items = [int(i) for i in items]
    text = ", ".join(map(str, items[:limit]))
    return text + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def describe_difference(
    got: np.ndarray, want: np.ndarray, rtol: float = 1e-6, atol: float = 1e-10
) -> str:
    """Where and how ``got`` differs from ``want`` (same shape), in words.

    Names the entries, rows or columns that differ and the pattern when there is one: NaN
    or inf, zeros where values were expected, the sign flipped in some entries, a constant
    added to every entry, to each row or to each column, each row scaled by its own factor.
    Never prints a whole array.
    """
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"it has shape {got.shape}, expected {want.shape}."
    if got.ndim == 0:
        g, w = float(got), float(want)
        text = f"it is {_fmt(g)}, expected {_fmt(w)}"
        if np.isfinite(g) and w != 0 and np.isfinite(w):
            text += f" ({_fmt(g - w)} off, {100 * abs(g - w) / abs(w):.3g}% of the expected value)"
        return text + "."
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, want, rtol=rtol, atol=atol * scale)
        bad |= ~np.isfinite(got)
    n_bad, size = int(bad.sum()), got.size
    first = np.unravel_index(int(np.argmax(bad)), bad.shape)
    if not np.isfinite(got).all():
        nonfinite = ~np.isfinite(got)
        kind = "NaN" if np.isnan(got).any() else "inf"
        return (
            f"it holds {kind} in {int(nonfinite.sum())} of {size} entries (first at "
            f"{_where(np.unravel_index(int(np.argmax(nonfinite)), got.shape))}) where the "
            f"expected values are finite: an overflow, a division by zero or log(0)?"
        )
    diff = got - want
    worst = np.unravel_index(int(np.argmax(np.abs(diff))), diff.shape)
    at_worst = (
        f"the largest difference is at {_where(worst)}: {_fmt(float(got[worst]))} instead of "
        f"{_fmt(float(want[worst]))}"
    )
    patterns = []
    if np.all(got[bad] == 0):
        patterns.append(
            f"it is 0 at {n_bad} of {size} entries where nonzero values were expected "
            f"(e.g. at {_where(first)}): a term, a mask or an update missing?"
        )
    elif np.allclose(got[bad], -want[bad], rtol=1e-5, atol=1e-12 * scale):
        patterns.append(
            f"the sign is flipped at {n_bad} of {size} entries (e.g. at {_where(first)})"
        )
    elif size > 1 and np.ptp(diff) <= 1e-6 * max(scale, float(np.abs(diff).max())):
        patterns.append(
            f"every entry is off by the same amount, {_fmt(float(diff.flat[0]))}: a constant "
            f"added or left out?"
        )
    elif got.ndim == 2 and got.shape[1] > 1 and _constant_along(diff, axis=1, scale=scale):
        patterns.append(
            "each row is off by its own constant (the same amount for every entry of a "
            "row): a shift or normalisation per example applied wrongly?"
        )
    elif got.ndim == 2 and got.shape[0] > 1 and _constant_along(diff, axis=0, scale=scale):
        patterns.append(
            "each column is off by its own constant (the same amount for every entry of a "
            "column): a bias or a per-class term added wrongly?"
        )
    elif got.ndim == 2 and got.shape[1] > 1 and _scaled_rows(got, want):
        patterns.append(
            "each row is the expected row times its own factor: a normalisation over the "
            "wrong entries?"
        )
    if got.ndim == 2 and 0 < n_bad < size:
        rows = np.flatnonzero(bad.any(axis=1))
        cols = np.flatnonzero(bad.any(axis=0))
        if len(rows) < got.shape[0]:
            patterns.append(f"only rows {_list(rows)} differ, the other rows are right")
        elif len(cols) < got.shape[1]:
            patterns.append(f"only columns {_list(cols)} differ, the other columns are right")
    elif got.ndim == 1 and 0 < n_bad < size:
        patterns.append(f"entries {_list(np.flatnonzero(bad))} differ, the others are right")
    count = f"{n_bad} of {size} entries differ" if n_bad < size else f"all {size} entries differ"
    if patterns:
        return f"{'; '.join(patterns)}; {at_worst}."
    return f"{count}; {at_worst}."


def _constant_along(diff: np.ndarray, axis: int, scale: float) -> bool:
    spread = np.ptp(diff, axis=axis)
    size = max(scale, float(np.abs(diff).max()))
    return bool(np.all(spread <= 1e-6 * size)) and bool(np.abs(diff).max() > 0)


def _scaled_rows(got: np.ndarray, want: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        denom = (want * want).sum(axis=1)
        if np.any(denom == 0):
            return False
        k = (got * want).sum(axis=1) / denom
        return bool(np.allclose(got, k[:, None] * want, rtol=1e-6, atol=1e-12)) and bool(
            np.ptp(k) > 1e-6
        )


def describe_args(args: tuple, kwargs: dict) -> str:
    """``z: float32 (3, 10), T=0.5`` style summary of call arguments for messages."""

    def one(a: Any) -> str:
        if isinstance(a, np.ndarray):
            return f"<{a.dtype} array {a.shape}>"
        if isinstance(a, np.random.Generator):
            return "rng"
        return _fmt(a)

    parts = [one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _short(text: str, limit: int = 300) -> str:
    """An exception's text, cut so that a message never holds a whole large array."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_hint(err: Exception) -> str:
    """A hint for errors students meet often."""
    text = str(err)
    if "could not be broadcast" in text:
        return (
            "\n  Hint: shapes that do not broadcast. Reducing an (N, C) array over its rows "
            "with keepdims=True keeps the result (N, 1), which broadcasts against (N, C)."
        )
    if "matmul" in text or "not aligned" in text:
        return "\n  Hint: the shapes of a matrix product do not match; write the shapes down."
    if isinstance(err, IndexError):
        return "\n  Hint: an index out of range; integer labels index the class axis (axis 1)."
    return ""


def passed(name: str, n: int, extra: str = "") -> None:
    """Print one clear pass line: ``✔ {name}: all {n} checks passed{extra}``."""
    what = "check" if n == 1 else "checks"
    prefix = "the" if n == 1 else "all"
    print(f"{PASS} {name}: {prefix} {n} {what} passed{extra}")


def _as_number(value: Any, name: str) -> float:
    """A student's numeric answer as a float, or a failure saying what was expected."""
    if isinstance(value, np.ndarray | np.generic) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CheckFailure(
            f"{name}: return a single number (e.g. `return 0.1234`), got {_kind(value)}"
        )
    value = float(value)
    if not np.isfinite(value):
        raise CheckFailure(f"{name}: the answer is {value}, expected a finite number")
    return value


def _generic_number_mistakes(want: float) -> list[tuple[float, str]]:
    """Wrong numbers any numeric answer can come out as, with their diagnoses."""
    import math

    out = [
        (100 * want, "that is the answer times 100: a percentage where a fraction is asked?"),
        (
            want / 100,
            "that is the answer divided by 100: a fraction where percentage points are asked?",
        ),
        (-want, "the sign is wrong."),
    ]
    if want != 0:
        out.append((1 / want, "that is the reciprocal of the answer: a ratio upside down?"))
    out.append(
        (
            want * want,
            "that is the square of the answer: a variance for a standard "
            "deviation, or a square root missing?",
        )
    )
    if want > 0:
        out.append((math.sqrt(want), "that is the square root of the answer: a square missing?"))
    out += [
        (
            want / math.log(10),
            "that is the answer divided by ln 10: log10 used where the "
            "natural log (np.log) is meant?",
        ),
        (
            want / math.log(2),
            "that is the answer divided by ln 2: log2 used where the natural "
            "log (np.log) is meant?",
        ),
    ]
    return out


def check_number(
    answer: Callable[[], Any],
    name: str,
    want: float,
    decimals: int = 4,
    mistakes: Sequence[tuple[float, str]] = (),
    hint: str = "",
    generic: bool = True,
) -> None:
    """Check a numeric answer ``answer()`` against ``want`` to ``decimals`` places.

    The answer may be rounded to ``decimals`` places or given more precisely. Known wrong
    values in ``mistakes`` (``(value, diagnosis)``) are named when the answer matches one;
    then (when ``generic``) the plausible wrong numbers of any answer: a percentage for a
    fraction or back, the wrong sign, the reciprocal, the square or the square root, a
    natural log read in base 10 or 2. Any other wrong value gets ``hint`` (or a generic
    nudge to work through the exercise's hint).
    """
    __tracebackhide__ = True
    check = Check(name, total=1)
    with check.case(f"your answer, to {decimals} decimals"):
        got = _as_number(check.call(answer), name)
        tol = 0.5 * 10.0**-decimals + 1e-12
        if abs(got - want) > tol * (1 + 1e-9):
            known = [(v, d, 1.0) for v, d in mistakes]
            if generic:  # a scaled wrong number keeps the answer's rounding, scaled too
                known += [
                    (v, d, max(1.0, abs(v) / abs(want)) if want else 1.0)
                    for v, d in _generic_number_mistakes(want)
                ]
            for value, diagnosis, scale in known:
                if abs(value - want) > tol and abs(got - value) <= scale * tol * (1 + 1e-9):
                    raise CheckFailure(f"{_fmt(got)} is not right.\n  Likely mistake: {diagnosis}")
            raise CheckFailure(
                f"{_fmt(got)} is not right (to {decimals} decimals). "
                + (
                    hint
                    or "Work through the hint step by step, and give the number itself, "
                    f"rounded to {decimals} decimals."
                )
            )
    print(f"{PASS} {name}: correct ({got:.{decimals}f})")
