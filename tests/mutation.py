"""Mutation testing of the exercise self-checks, on Python's ``ast``.

For every exercise notebook ``notebooks/*/3-exercises.ipynb`` this module

1. finds each exercise: a code cell whose function body holds a solution block
   (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) and that hands the function to a
   ``check_...(function)`` call;
2. builds the notebook's namespace the exercises need: its imports, its top-level
   function and class definitions (the worked solutions) and its literal constants; no
   experiment cell is run;
3. mutates the solution block with operators that model students' mistakes (see
   :data:`OPERATORS`): each mutant changes one node of the block's syntax tree;
4. runs the exercise's self-check on each mutant, in this process, with a timeout, and
   records whether the check killed it (raised ``CheckFailure``), let it pass (survived),
   or crashed (raised anything else: a check must never do that).

A mutant that survives is either a hole in the check or an *equivalent* mutant (it computes
the same thing); equivalent mutants are listed with their reasons in
``tests/mutation.toml``. The same file registers the topics whose checks are mutated
(``[topic."NN-name"]``) and, per check, the keyword arguments of a quick first run
(``fast``, e.g. ``{mnist = false}``): a mutant that survives the quick run is run again with
the check's defaults, so the slow cases only see the few mutants that reach them.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import signal
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REGISTRY = Path(__file__).with_name("mutation.toml")

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

#: Seconds a mutant may run (each stage) before it counts as a timeout.
TIMEOUT = 10.0

#: Reduction methods and functions whose ``axis`` and ``keepdims`` are mutated.
REDUCTIONS = {"sum", "mean", "max", "min", "all", "any", "argmax", "std", "var", "prod"}
SWAPS = {"sum": "mean", "mean": "sum"}
#: NumPy functions whose result may be written into their first argument (``out=``).
UFUNCS = {"exp", "log", "maximum", "minimum", "subtract", "add", "multiply", "divide", "abs"}


# --------------------------------------------------------------------------------------
# Finding the exercises
# --------------------------------------------------------------------------------------


def exercise_notebooks() -> list[Path]:
    """Every ``notebooks/*/3-exercises.ipynb``, sorted."""
    return sorted(NOTEBOOKS.glob("*/3-exercises.ipynb"))


def load_registry() -> dict:
    with REGISTRY.open("rb") as f:
        return tomllib.load(f)


@dataclass
class Exercise:
    """One exercise: a solution function and the self-check it is handed to."""

    topic: str  # e.g. "01-softmax-regression"
    function: str  # the student function's name
    check: str  # the self-check's name
    node: ast.FunctionDef  # the function, with line numbers of its cell
    blocks: list[tuple[int, int]]  # line ranges (inclusive) inside the solution blocks

    @property
    def id(self) -> str:
        return f"{self.topic}/{self.function}"

    def in_block(self, node: ast.AST) -> bool:
        line = getattr(node, "lineno", None)
        return line is not None and any(a <= line <= b for a, b in self.blocks)


def _block_ranges(source: str) -> list[tuple[int, int]]:
    ranges, start = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        if line.strip() == BEGIN:
            start = number
        elif line.strip() == END and start is not None:
            ranges.append((start + 1, number - 1))
            start = None
    return ranges


def _check_calls(tree: ast.Module) -> dict[str, str]:
    """``{function name: check name}`` for the ``check_...(function)`` calls of a cell."""
    out = {}
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)
            and stmt.value.func.id.startswith("check_")
            and stmt.value.args
            and isinstance(stmt.value.args[0], ast.Name)
        ):
            out[stmt.value.args[0].id] = stmt.value.func.id
    return out


@dataclass
class Notebook:
    """An exercise notebook: its exercises and the source of its namespace."""

    path: Path
    topic: str
    exercises: list[Exercise]
    namespace_source: list[ast.stmt]
    unchecked: list[str] = field(default_factory=list)  # solution functions without a check

    def namespace(self) -> dict:
        """The notebook's imports, definitions and constants, executed (once per call)."""
        ns: dict[str, Any] = {"__name__": f"exercises_{self.topic.replace('-', '_')}"}
        module = ast.Module(body=self.namespace_source, type_ignores=[])
        exec(compile(module, f"<{self.topic} exercises>", "exec"), ns)
        return ns


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def parse_notebook(path: Path) -> Notebook:
    nb = nbformat.read(path, as_version=4)
    topic = path.parent.name
    exercises, unchecked, ns_source = [], [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: not part of the namespace
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
                ns_source.append(stmt)
            elif isinstance(stmt, ast.Assign) and _is_literal(stmt.value):
                ns_source.append(stmt)
        blocks = _block_ranges(cell.source)
        if not blocks:
            continue
        checks = _check_calls(tree)
        for stmt in tree.body:
            if not isinstance(stmt, ast.FunctionDef):
                continue
            mine = [(a, b) for a, b in blocks if stmt.lineno <= a <= (stmt.end_lineno or a)]
            if not mine:
                continue
            if stmt.name in checks:
                exercises.append(Exercise(topic, stmt.name, checks[stmt.name], stmt, mine))
            else:
                unchecked.append(stmt.name)
    return Notebook(path, topic, exercises, ns_source, unchecked)


# --------------------------------------------------------------------------------------
# What the solution's variables hold: for swapping a variable with another of its shape
# --------------------------------------------------------------------------------------


def _signature(value: Any) -> tuple | None:
    import numpy as np

    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.kind)
    if isinstance(value, bool | np.bool_):
        return ("bool",)
    if isinstance(value, int | float | np.number):
        return ("number",)
    if isinstance(value, dict):
        return ("dict", tuple(sorted(map(str, value))))
    return None


def record_locals(fn: Callable, run: Callable[[Callable], Any]) -> dict[str, set]:
    """The signatures (kind, shape, dtype) each local of ``fn`` held on return, over the
    calls ``run(fn)`` makes."""
    seen: dict[str, set] = {}
    code = fn.__code__

    def local_tracer(frame, event, arg):
        if event == "return":
            for name, value in frame.f_locals.items():
                sig = _signature(value)
                if sig is not None:
                    seen.setdefault(name, set()).add(sig)
        return local_tracer

    def tracer(frame, event, arg):
        return local_tracer if frame.f_code is code else None

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        run(fn)
    finally:
        sys.settrace(old)
    return seen


# --------------------------------------------------------------------------------------
# Mutation operators
# --------------------------------------------------------------------------------------


@dataclass
class Context:
    """What an operator may know about the function it mutates."""

    exercise: Exercise
    params: list[str]
    signatures: dict[str, set]  # from record_locals
    keys: list[str]  # the short strings of the block (dict keys, option names)
    debug_subset: tuple[str, ...] = ()  # functions whose checks train on large data

    def same_kind(self, a: str, b: str) -> bool:
        sa, sb = self.signatures.get(a), self.signatures.get(b)
        return bool(sa) and sa == sb


def _num(value) -> ast.Constant:
    return ast.Constant(value=value)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _kw(node: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in node.keywords if k.arg == name), None)


# Each operator: (name, function(node, ctx) -> list of (description, transform)), where
# transform(node_in_copy) returns the replacement: a node, a list of statements, or None to
# delete a statement.


def op_axis(node, ctx):
    if not isinstance(node, ast.Call) or _call_name(node) not in REDUCTIONS:
        return []
    out = []
    kw = _kw(node, "axis")
    if kw is not None and isinstance(kw.value, ast.Constant | ast.UnaryOp):
        try:
            value = ast.literal_eval(kw.value)
        except ValueError:
            value = "?"
        for new in (0, 1, None):
            if new == value or (new == 1 and value == -1):
                continue

            def t(n, new=new):
                k = _kw(n, "axis")
                if new is None:
                    n.keywords.remove(k)
                else:
                    k.value = _num(new)
                return n

            out.append((f"axis {value} -> {new}", t))
    elif kw is None and not (len(node.args) > (0 if isinstance(node.func, ast.Attribute) else 1)):
        for new in (0, 1):

            def t(n, new=new):
                n.keywords.append(ast.keyword(arg="axis", value=_num(new)))
                return n

            out.append((f"axis None -> {new}", t))
    return out


def op_keepdims(node, ctx):
    if isinstance(node, ast.Call) and _kw(node, "keepdims") is not None:

        def t(n):
            n.keywords = [k for k in n.keywords if k.arg != "keepdims"]
            return n

        return [("keepdims dropped", t)]
    return []


def op_sum_mean(node, ctx):
    if isinstance(node, ast.Call) and _call_name(node) in SWAPS:
        new = SWAPS[_call_name(node)]

        def t(n):
            if isinstance(n.func, ast.Attribute):
                n.func.attr = new
            else:
                n.func.id = new
            return n

        return [(f"{_call_name(node)} -> {new}", t)]
    return []


def op_transpose(node, ctx):
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
        return []
    out = []
    for side in ("left", "right"):
        operand = getattr(node, side)
        if isinstance(operand, ast.Attribute) and operand.attr == "T":

            def t(n, side=side):
                setattr(n, side, getattr(n, side).value)
                return n

            out.append((f"{side} operand's .T removed", t))
        else:

            def t(n, side=side):
                setattr(n, side, ast.Attribute(value=getattr(n, side), attr="T", ctx=ast.Load()))
                return n

            out.append((f"{side} operand transposed", t))
    return out


def op_sign(node, ctx):
    out = []
    if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub):
        new = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()

        def t(n, new=new):
            n.op = new
            return n

        out.append(("sign flipped (+ <-> -)", t))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.append(("unary minus dropped", lambda n: n.operand))
    if isinstance(node, ast.Return) and node.value is not None:
        if not isinstance(node.value, ast.Tuple | ast.Dict | ast.Constant):

            def t(n):
                n.value = ast.UnaryOp(op=ast.USub(), operand=n.value)
                return n

            out.append(("result negated", t))
    return out


def op_off_by_one(node, ctx):
    out = []

    def shifted(expr, d):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, int):
            return _num(expr.value + d)
        return ast.BinOp(left=expr, op=ast.Add() if d > 0 else ast.Sub(), right=_num(abs(d)))

    if isinstance(node, ast.Call) and _call_name(node) == "range" and node.args:
        last = len(node.args) - 1 if len(node.args) <= 2 else 1
        for d in (-1, 1):

            def t(n, d=d):
                n.args[last] = shifted(n.args[last], d)
                return n

            out.append((f"range bound {d:+d}", t))
        if len(node.args) == 1:

            def t(n):
                n.args = [_num(1), n.args[0]]
                return n

            out.append(("range starts at 1", t))
    if isinstance(node, ast.Slice):
        for bound in ("lower", "upper"):
            if getattr(node, bound) is not None:
                for d in (-1, 1):

                    def t(n, bound=bound, d=d):
                        setattr(n, bound, shifted(getattr(n, bound), d))
                        return n

                    out.append((f"slice {bound} {d:+d}", t))
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, int)
        and not isinstance(node.slice.value, bool)
    ):
        for d in (-1, 1):
            if node.slice.value + d < -1:
                continue

            def t(n, d=d):
                n.slice = _num(n.slice.value + d)
                return n

            out.append((f"index {d:+d}", t))
    return out


def op_hard_coded_size(node, ctx):
    size = None
    if isinstance(node, ast.Call) and _call_name(node) == "len" and isinstance(node.func, ast.Name):
        size = "len"
    elif (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "shape"
    ):
        size = "shape"
    if size is None:
        return []
    return [(f"size hard-coded to {k}", lambda n, k=k: _num(k)) for k in (10, 100, 784)]


def op_in_place(node, ctx):
    """``t = a OP b`` with ``a`` an argument -> ``a OP= b; t = a``; ``np.f(a, ...)`` ->
    ``np.f(a, ..., out=a)``."""
    out = []
    if (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.BinOp)
        and isinstance(node.value.left, ast.Name)
        and node.value.left.id in ctx.params
        and not isinstance(node.value.op, ast.MatMult)
    ):

        def t(n):
            a = n.value.left.id
            aug = ast.AugAssign(
                target=ast.Name(id=a, ctx=ast.Store()), op=n.value.op, value=n.value.right
            )
            return [aug, ast.Assign(targets=n.targets, value=ast.Name(id=a, ctx=ast.Load()))]

        out.append(("input changed in place (augmented assignment)", t))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in UFUNCS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in ("np", "numpy")
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id in ctx.params
        and _kw(node, "out") is None
    ):

        def t(n):
            n.keywords.append(
                ast.keyword(arg="out", value=ast.Name(id=n.args[0].id, ctx=ast.Load()))
            )
            return n

        out.append(("input changed in place (out=)", t))
    return out


def op_drop_term(node, ctx):
    out = []
    if isinstance(node, ast.BinOp) and isinstance(
        node.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.MatMult
    ):
        out.append(("right term dropped", lambda n: n.left))
        if isinstance(node.op, ast.Add | ast.Mult):
            out.append(("left term dropped", lambda n: n.right))
    if isinstance(node, ast.AugAssign | ast.If | ast.Raise | ast.Assert):
        out.append(("statement deleted", lambda n: None))
    if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
        out.append(("statement deleted", lambda n: None))
    if isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg in ("axis", "keepdims", "out"):
                continue  # the axis and keepdims operators do these

            def t(n, arg=kw.arg):
                n.keywords = [k for k in n.keywords if k.arg != arg]
                return n

            out.append((f"keyword {kw.arg}= dropped", t))
    return out


def _constant_variants(value) -> list:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return sorted({value + 1, value - 1, 2 * value} - {value})
    if isinstance(value, float):
        out = [2 * value, value / 2]
        if value != 1.0:
            out.append(1.0)
        if value != 0.0:
            out.append(0.0)
        return out
    return []


def op_constant(node, ctx):
    if not isinstance(node, ast.Constant) or isinstance(node.value, str):
        return []
    return [
        (f"constant {node.value!r} -> {new!r}", lambda n, new=new: _num(new))
        for new in _constant_variants(node.value)
    ]


def op_comparison(node, ctx):
    flips = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt}
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in flips:
        new = flips[type(node.ops[0])]

        def t(n, new=new):
            n.ops = [new()]
            return n

        return [("comparison boundary moved", t)]
    return []


def op_swap_variable(node, ctx):
    out = []
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        for other in sorted(ctx.signatures):
            if other != node.id and ctx.same_kind(node.id, other):
                out.append(
                    (f"{node.id} -> {other}", lambda n, o=other: ast.Name(id=o, ctx=ast.Load()))
                )
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ctx.keys:
        for key in ctx.keys:
            if key != node.value:
                out.append((f"string {node.value!r} -> {key!r}", lambda n, k=key: _num(k)))
    if isinstance(node, ast.List | ast.Set) and node.elts:
        for i in range(len(node.elts)):

            def t(n, i=i):
                n.elts = n.elts[:i] + n.elts[i + 1 :]
                return n

            out.append((f"element {i} of a list left out", t))
    return out


def op_return_order(node, ctx):
    if (
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Tuple)
        and len(node.value.elts) >= 2
    ):

        def t(n):
            n.value.elts = n.value.elts[::-1]
            return n

        return [("returned values in reverse order", t)]
    return []


def op_rng_ignored(node, ctx):
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id == "rng":
        if "rng" in ctx.params:
            new = ast.parse("np.random.default_rng(0)", mode="eval").body
            return [("the rng argument ignored (a fixed seed)", lambda n: copy.deepcopy(new))]
    return []


def op_subset(node, ctx):
    """A loop left on a debugging subset: the data arguments of a call (the arguments that
    share the leading dimension N) cut to their first half, and, for the exercises the
    registry names in ``debug_subset`` (those whose check trains on MNIST), to the first
    10,000 examples."""
    if not isinstance(node, ast.Call):
        return []

    def leading(name):
        sigs = ctx.signatures.get(name, ())
        dims = {s[1][0] for s in sigs if s[0] == "array" and len(s[1]) >= 1}
        return dims if len(dims) == len(sigs) and dims else None

    lead = [
        (i, leading(a.id))
        for i, a in enumerate(node.args)
        if isinstance(a, ast.Name) and a.id in ctx.params and leading(a.id)
    ]
    data_args = [i for i, d in lead if any(d == e for j, e in lead if j != i)]
    if len(data_args) < 2:
        return []
    first = node.args[data_args[0]].id
    half = ast.parse(f"len({first}) // 2", mode="eval").body
    sizes = [("the first half", half)]
    if ctx.exercise.function in ctx.debug_subset:
        sizes.append(("the first 10000", _num(10_000)))
    out = []
    for what, upper in sizes:

        def t(n, upper=upper):
            for i in data_args:
                n.args[i] = ast.Subscript(
                    value=n.args[i], slice=ast.Slice(upper=copy.deepcopy(upper)), ctx=ast.Load()
                )
            return n

        out.append((f"data arguments cut to {what}", t))
    return out


OPERATORS: dict[str, Callable] = {
    "axis": op_axis,
    "keepdims": op_keepdims,
    "sum-mean": op_sum_mean,
    "transpose": op_transpose,
    "sign": op_sign,
    "off-by-one": op_off_by_one,
    "hard-coded size": op_hard_coded_size,
    "in place": op_in_place,
    "dropped term": op_drop_term,
    "constant": op_constant,
    "comparison": op_comparison,
    "swapped variable": op_swap_variable,
    "return order": op_return_order,
    "rng ignored": op_rng_ignored,
    "subset": op_subset,
}


# --------------------------------------------------------------------------------------
# Generating mutants
# --------------------------------------------------------------------------------------


@dataclass
class Mutant:
    exercise: Exercise
    operator: str
    description: str
    before: str  # the statement as written
    after: str  # the statement as mutated ("(deleted)" for a deletion)
    source: str  # the whole mutated function

    @property
    def key(self) -> str:
        """A stable name: function, operator, and the statement before and after."""
        return f"{self.exercise.function} | {self.operator} | {self.before} => {self.after}"


def _first_line(node: ast.AST) -> str:
    return ast.unparse(node).splitlines()[0] if node is not None else "(deleted)"


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    out = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        out[id(child)] = (parent, name, i)
            elif isinstance(value, ast.AST):
                out[id(value)] = (parent, name, None)
    return out


def _statement_of(node: ast.AST, parents) -> ast.AST:
    while not isinstance(node, ast.stmt):
        node = parents[id(node)][0]
    return node


def _replace(node: ast.AST, new, parents) -> None:
    parent, name, index = parents[id(node)]
    if index is None:
        setattr(parent, name, new)
        return
    items = getattr(parent, name)
    if new is None:
        del items[index]
        if not items:
            items.append(ast.Pass())
    elif isinstance(new, list):
        items[index : index + 1] = new
    else:
        items[index] = new


def mutants(
    exercise: Exercise, signatures: dict[str, set], debug_subset: tuple[str, ...] = ()
) -> Iterator[Mutant]:
    """Every mutant of the exercise's solution block, each a distinct function source."""
    fn = exercise.node
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)]
    nodes = list(ast.walk(fn))
    in_block = [i for i, n in enumerate(nodes) if exercise.in_block(n)]
    keys = sorted(
        {
            n.value
            for i in in_block
            if isinstance(n := nodes[i], ast.Constant)
            and isinstance(n.value, str)
            and n.value.isidentifier()
        }
    )
    ctx = Context(exercise, params, signatures, keys, tuple(debug_subset))
    original = ast.unparse(fn)
    seen = {original}
    for i in in_block:
        node = nodes[i]
        for op_name, operator in OPERATORS.items():
            for description, transform in operator(node, ctx):
                tree = copy.deepcopy(fn)
                target = list(ast.walk(tree))[i]
                parents = _parents(tree)
                stmt = _statement_of(target, parents)
                before = _first_line(_statement_of(node, _parents(fn)))
                new = transform(target)
                if new is not target or isinstance(new, list) or new is None:
                    _replace(target, new, parents)
                ast.fix_missing_locations(tree)
                if new is None and target is stmt:
                    after = "(deleted)"
                elif isinstance(new, list):
                    after = "; ".join(_first_line(s) for s in new)
                else:
                    after = _first_line(stmt if stmt is not target else new)
                ast.fix_missing_locations(tree)
                try:
                    source = ast.unparse(tree)
                    compile(source, "<mutant>", "exec")
                except (SyntaxError, ValueError, TypeError):
                    continue
                if source in seen:
                    continue
                seen.add(source)
                yield Mutant(exercise, op_name, description, before, after, source)


# --------------------------------------------------------------------------------------
# Running a check on a mutant
# --------------------------------------------------------------------------------------


class MutantTimeout(BaseException):
    """A mutant ran longer than TIMEOUT (a BaseException, so no check can swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def handler(signum, frame):
        raise MutantTimeout(f"more than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Outcome:
    mutant: Mutant | None
    status: str  # "killed", "survived", "crashed", "timeout"
    message: str
    seconds: float


def run_check(check: Callable, fn: Callable, kwargs: dict, timeout: float = TIMEOUT):
    """``(status, message)`` of ``check(fn, **kwargs)``."""
    from helpers.checks import CheckFailure

    out = io.StringIO()
    try:
        # a mutant's NumPy warnings (the mean of an empty slice, ...) are its own business:
        # the check judges its results, and the test run's summary stays about the course
        with time_limit(timeout), contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            check(fn, **kwargs)
    except CheckFailure as failure:
        return "killed", str(failure)
    except MutantTimeout as err:
        return "timeout", str(err)
    except Exception as err:  # the check itself broke: never acceptable
        return "crashed", f"{type(err).__name__}: {err}"
    return "survived", out.getvalue().strip()


def run_mutant(mutant: Mutant, base: dict, stages: list[dict]) -> Outcome:
    start = time.perf_counter()
    ns = dict(base)
    try:
        exec(compile(mutant.source, f"<mutant of {mutant.exercise.function}>", "exec"), ns)
    except Exception as err:  # a definition that fails at once: a student would see it too
        return Outcome(mutant, "killed", f"definition raised {err!r}", 0.0)
    fn, check = ns[mutant.exercise.function], ns[mutant.exercise.check]
    status, message = "survived", ""
    for kwargs in stages:
        status, message = run_check(check, fn, kwargs)
        if status != "survived":
            break
    return Outcome(mutant, status, message, time.perf_counter() - start)


@dataclass
class Result:
    """The mutation run of one exercise."""

    exercise: Exercise
    outcomes: list[Outcome]
    equivalent: dict[str, str]  # mutant key -> reason, for the survivors recorded as such
    original: tuple[str, str]  # the check on the worked solution: (status, message)
    stale: list[str]  # equivalents recorded for this exercise that no longer survive
    seconds: float

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def survivors(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.status == "survived" and o.mutant.key not in self.equivalent
        ]

    @property
    def score(self) -> float:
        """Killed (timeouts included) over generated minus equivalent."""
        killable = len(self.outcomes) - len(self.equivalent)
        dead = self.count("killed") + self.count("timeout")
        return dead / killable if killable else 1.0


def _one_blas_thread():
    """One BLAS thread while mutants run: their arrays are tiny, and on a shared machine
    idle BLAS threads spinning cost far more than they save."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - an optional speed-up
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def mutate_exercise(notebook: Notebook, exercise: Exercise, registry: dict) -> Result:
    with _one_blas_thread():
        return _mutate_exercise(notebook, exercise, registry)


def _mutate_exercise(notebook: Notebook, exercise: Exercise, registry: dict) -> Result:
    start = time.perf_counter()
    topic = registry.get("topic", {}).get(notebook.topic, {})
    fast = topic.get("fast", {}).get(exercise.check)
    stages = [fast, {}] if fast is not None else [{}]
    base = notebook.namespace()
    check = base[exercise.check]
    fn = base[exercise.function]
    # The worked solution must pass, and tells which variables hold what.
    signatures = record_locals(fn, lambda f: run_check(check, f, stages[0]))
    original = run_check(check, fn, {})
    generated = mutants(exercise, signatures, tuple(topic.get("debug_subset", ())))
    outcomes = [run_mutant(m, base, stages) for m in generated]
    recorded = {
        e["mutant"]: e["reason"]
        for e in registry.get("equivalent", [])
        if e.get("exercise") == exercise.id
    }
    survived = {o.mutant.key for o in outcomes if o.status == "survived"}
    equivalent = {k: r for k, r in recorded.items() if k in survived}
    stale = sorted(set(recorded) - survived)
    return Result(exercise, outcomes, equivalent, original, stale, time.perf_counter() - start)


def table(results: list[Result]) -> str:
    """The mutation score of every check, one line each."""
    head = f"{'exercise':<44} {'check':<34} {'mutants':>7} {'killed':>6} {'equiv':>5} "
    head += f"{'surv':>4} {'crash':>5} {'score':>7} {'time':>6}"
    lines = [head, "-" * len(head)]
    for r in results:
        killed = r.count("killed") + r.count("timeout")
        lines.append(
            f"{r.exercise.id:<44} {r.exercise.check:<34} {len(r.outcomes):>7} {killed:>6} "
            f"{len(r.equivalent):>5} {len(r.survivors):>4} {r.count('crashed'):>5} "
            f"{100 * r.score:>6.1f}% {r.seconds:>5.1f}s"
        )
    total = sum(len(r.outcomes) for r in results)
    killed = sum(r.count("killed") + r.count("timeout") for r in results)
    equiv = sum(len(r.equivalent) for r in results)
    lines.append(
        f"{'all':<44} {'':<34} {total:>7} {killed:>6} {equiv:>5} "
        f"{sum(len(r.survivors) for r in results):>4} "
        f"{sum(r.count('crashed') for r in results):>5} "
        f"{100 * killed / max(1, total - equiv):>6.1f}%"
    )
    return "\n".join(lines)
