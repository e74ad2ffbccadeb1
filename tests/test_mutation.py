"""Mutation testing of the exercise self-checks (tests/mutation.py does the work).

Every solution block of every ``notebooks/*/3-exercises.ipynb`` is mutated with operators
that model students' mistakes; the exercise's self-check must reject every mutant, except
the equivalent ones recorded with their reasons in ``tests/mutation.toml``. A check must
never crash on a mutant either. The mutation score of every check is printed at the end of
the run (tests/conftest.py), and by ``test_the_mutation_scores`` (visible with ``-rA``).
"""

from __future__ import annotations

import mutation
import pytest

REGISTRY = mutation.load_registry()
NOTEBOOKS, UNREADABLE = [], {}
for _path in mutation.exercise_notebooks():
    try:
        NOTEBOOKS.append(mutation.parse_notebook(_path))
    except Exception as _err:  # a notebook being written right now: reported, not fatal
        UNREADABLE[_path.parent.name] = f"{type(_err).__name__}: {_err}"
#: Topics whose checks must be mutation-tested in full, whatever the registry says.
REQUIRED = (
    "01-softmax-regression",
    "02-relu-network",
    "03-sigmoid-networks",
    "04-backpropagation",
    "05-optimisers",
    "06-capstone",
)

RESULTS: dict[str, mutation.Result] = {}


def _exercises():
    for topic, why in UNREADABLE.items():
        yield pytest.param(
            None,
            None,
            id=f"{topic}/(unreadable)",
            marks=pytest.mark.skip(reason=f"{topic}: the exercise notebook cannot be read: {why}"),
        )
    for nb in NOTEBOOKS:
        if nb.topic not in REGISTRY.get("topic", {}):
            yield pytest.param(
                nb,
                None,
                id=f"{nb.topic}/(not registered)",
                marks=pytest.mark.skip(
                    reason=f"{nb.topic} is not registered in tests/mutation.toml: add "
                    f'[topic."{nb.topic}"] to mutation-test its checks'
                ),
            )
            continue
        for ex in nb.exercises:
            yield pytest.param(nb, ex, id=ex.id)


def result(nb, ex) -> mutation.Result:
    if ex.id not in RESULTS:
        RESULTS[ex.id] = mutation.mutate_exercise(nb, ex, REGISTRY)
    return RESULTS[ex.id]


def test_the_required_topics_are_found_and_registered():
    topics = {nb.topic: nb for nb in NOTEBOOKS}
    for topic in REQUIRED:
        assert topic not in UNREADABLE, UNREADABLE.get(topic)
    for topic in REQUIRED:
        assert topic in topics, f"no notebooks/{topic}/3-exercises.ipynb"
        assert topic in REGISTRY["topic"], f"{topic} missing from tests/mutation.toml"
        nb = topics[topic]
        assert len(nb.exercises) >= 8, f"{topic}: only {len(nb.exercises)} exercises found"
        assert not nb.unchecked, f"{topic}: solution functions without a check: {nb.unchecked}"


def test_every_equivalent_names_a_known_exercise_and_gives_a_reason():
    known = {ex.id for nb in NOTEBOOKS for ex in nb.exercises}
    for entry in REGISTRY.get("equivalent", []):
        assert entry.get("exercise") in known, f"unknown exercise in {entry}"
        assert len(entry.get("reason", "")) > 20, f"no real reason given for {entry}"


@pytest.mark.parametrize(("nb", "ex"), list(_exercises()))
def test_the_check_kills_every_mutant(nb, ex):
    r = result(nb, ex)
    status, message = r.original
    assert status == "survived", f"the worked solution fails its own check: {message}"
    problems = []
    for o in r.outcomes:
        if o.status == "crashed":
            problems.append(f"the check CRASHED on mutant\n    {o.mutant.key}\n    {o.message}")
    for o in r.survivors:
        problems.append(
            f"mutant SURVIVED (a hole in the check, or record it as equivalent)\n    {o.mutant.key}"
        )
    for key in r.stale:
        problems.append(f"recorded as equivalent but no longer survives (remove it)\n    {key}")
    assert not problems, f"{ex.id} ({ex.check}):\n  " + "\n  ".join(problems)


def test_every_mutant_is_reported_with_a_diagnosis():
    """A killed mutant's message names a case and says what is wrong, in words."""
    for r in RESULTS.values():
        for o in r.outcomes:
            if o.status == "killed" and not o.message.startswith("definition raised"):
                assert "failed check" in o.message or ": " in o.message, o.message
                assert "0x" not in o.message, f"a memory address in the message: {o.message}"
                assert len(o.message) < 3000, f"a message of {len(o.message)} characters"


def test_the_mutation_scores():
    """Prints the table of every check's mutation score (shown with -rA)."""
    if not RESULTS:
        pytest.skip("no mutation results in this run (run the whole file)")
    print(mutation.table(list(RESULTS.values())))
