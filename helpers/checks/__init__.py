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

import numbers
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["CheckFailure", "Check", "check_number", "tolerances"]

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
    return repr(x)


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

    def call(self, fn: Callable, *args, copy: bool = True, **kwargs):
        """``fn(*args, **kwargs)``, guarded.

        Array arguments are passed as copies and compared with the originals afterwards, so
        a function that changes its input in place is caught (the caller's data would be
        silently corrupted). NotImplementedError propagates unchanged; any other exception
        becomes a CheckFailure naming the input shapes. ``copy=False`` passes arrays as they
        are (for very large inputs that the check does not reuse).
        """
        __tracebackhide__ = True
        if not callable(fn):
            raise CheckFailure(
                f"expected a function, got {type(fn).__name__}: pass the function itself, "
                f"e.g. check_{self.name}({self.name}), not the result of calling it"
            )
        originals = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
        if copy:
            args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
            kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        passed_arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
        try:
            with np.errstate(all="ignore"):
                result = fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as err:
            raise CheckFailure(
                f"{self.name}({describe_args(args, kwargs)}) raised "
                f"{type(err).__name__}: {err}{_error_hint(err)}"
                + (f"\n  Hint: {self.error_hint}" if self.error_hint else "")
            ) from err
        if copy:
            for original, passed_array in zip(originals, passed_arrays, strict=True):
                if passed_array.shape != original.shape or not np.array_equal(
                    passed_array, original, equal_nan=True
                ):
                    raise CheckFailure(
                        f"{self.name} changed its input array of shape {original.shape} in "
                        f"place. Likely mistake: an in-place operation on an argument (e.g. "
                        f"`z -= z.max(...)` or `z /= T`); write `z = z - ...` instead, so "
                        f"the caller's data stay untouched."
                    )
        if result is None:
            raise CheckFailure(f"{self.name} returned None: is the `return` statement missing?")
        return result

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
                f"{call} raised {type(err).__name__} ({err}), expected {exc_type.__name__}: {why}"
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
        got = np.asarray(got, dtype=np.float64)
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
        got_a = np.asarray(got, dtype=np.float64)
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
        raise CheckFailure(mismatch_message(got_a, want_a, what, diagnosis))


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


def _factor_diagnosis(k: float, n: int | None) -> str:
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
    return f"the result is off by a constant factor of {k:.4g}."


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
    if k is not None:
        return _factor_diagnosis(k, n)
    if got.ndim == 2 and got.shape == want.shape and got.shape[0] == got.shape[1]:
        if _close(got.T, want, loose, max(atol, 1e-9)):
            return "the result is transposed (rows and columns swapped)."
    return None


def mismatch_message(got: np.ndarray, want: np.ndarray, what: str, diagnosis: str | None) -> str:
    """The text of a failed comparison: the diagnosis, or where and how much it differs."""
    if diagnosis is not None:
        return f"{what} is wrong.\n  Likely mistake: {diagnosis}"
    if got.shape != want.shape:
        return f"{what} has shape {got.shape}, expected {want.shape}."
    if not np.isfinite(got).all():
        return f"{what} contains NaN or inf where the reference is finite."
    if got.ndim == 0:
        return f"{what} is {_fmt(float(got))}, expected {_fmt(float(want))}."
    diff = np.abs(got - want)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    index = ", ".join(str(int(i)) for i in worst)
    return (
        f"{what} differs from the reference: at index [{index}] it is "
        f"{_fmt(float(got[worst]))}, expected {_fmt(float(want[worst]))} "
        f"(largest difference {_fmt(float(diff[worst]))})."
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
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CheckFailure(
            f"{name}: return a single number (e.g. `return 0.1234`), got {type(value).__name__}"
        )
    value = float(value)
    if not np.isfinite(value):
        raise CheckFailure(f"{name}: the answer is {value}, expected a finite number")
    return value


def check_number(
    answer: Callable[[], Any],
    name: str,
    want: float,
    decimals: int = 4,
    mistakes: Sequence[tuple[float, str]] = (),
    hint: str = "",
) -> None:
    """Check a numeric answer ``answer()`` against ``want`` to ``decimals`` places.

    The answer may be rounded to ``decimals`` places or given more precisely. Known wrong
    values in ``mistakes`` (``(value, diagnosis)``) are named when the answer matches one;
    any other wrong value gets ``hint`` (or a generic nudge).
    """
    __tracebackhide__ = True
    check = Check(name, total=1)
    with check.case(f"your answer, to {decimals} decimals"):
        got = _as_number(check.call(answer), name)
        tol = 0.5 * 10.0**-decimals + 1e-12
        if abs(got - want) > tol * (1 + 1e-9):
            for value, diagnosis in mistakes:
                if abs(got - value) <= tol * (1 + 1e-9):
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
