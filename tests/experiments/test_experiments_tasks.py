import hashlib
import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mechkit.experiments import get_experiment, make_task, task_generator
from mechkit.experiments._tasks import run_batch
from tests.experiments import exp_helpers  # noqa: F401

scalars = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False),
                    st.booleans(), st.text(max_size=5))
param_dicts = st.dictionaries(st.from_regex(r"[a-z]{1,4}", fullmatch=True), scalars, max_size=4)


@given(param_dicts, st.integers(0, 10**6), st.randoms())
def test_task_key_ignores_parameter_order(params, seed, rnd):
    items = list(params.items())
    rnd.shuffle(items)
    a, b = make_task(params, seed), make_task(dict(items), seed)
    assert a.key == b.key and a.task_id == b.task_id
    assert json.loads(a.key) == {"params": params, "seed": seed}
    assert a.task_id == hashlib.sha256(a.key.encode()).hexdigest()[:16]


def test_task_keys_distinguish_types_and_seeds():
    ids = {make_task({"a": 1}, 0).task_id, make_task({"a": 1.0}, 0).task_id,
           make_task({"a": True}, 0).task_id, make_task({"a": "1"}, 0).task_id,
           make_task({"a": 1}, 1).task_id}
    assert len(ids) == 5


@given(param_dicts, st.integers(0, 50), st.integers(0, 2**32))
def test_task_generator_is_the_spawn_keyed_seed_sequence(params, seed, root):
    key = make_task(params, seed).key
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[4 * i:4 * i + 4], "little") for i in range(4))
    oracle = np.random.Generator(np.random.PCG64(np.random.SeedSequence(root, spawn_key=words)))
    assert np.array_equal(task_generator(root, key).random(4), oracle.random(4))


def _payload(tasks):
    return [(t.key, t.task_id, dict(t.params), t.seed) for t in tasks]


@given(st.lists(st.integers(0, 5), min_size=1, max_size=8), st.integers(0, 3), st.data())
def test_batches_do_not_change_results(a_values, seeds, data):
    """Any split of the tasks into batches, in any order, gives the same rows per task."""
    func = get_experiment("test.draws").func
    tasks = [make_task({"a": a, "b": 0.5, "tag": "x", "flag": False}, s)
             for a in a_values for s in range(seeds + 1)]
    whole = run_batch(func, _payload(tasks), 7)
    order = data.draw(st.permutations(range(len(tasks))))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(tasks) - 1)), max_size=4)))
    shuffled = [tasks[i] for i in order]
    pieces = [shuffled[i:j] for i, j in zip([0, *cuts], [*cuts, len(tasks)], strict=True)]
    split = {}
    for piece in reversed(pieces):
        split.update(dict(run_batch(func, _payload(piece), 7)["done"]))
    assert split == dict(whole["done"])
    assert whole["failed"] == []


def test_row_shapes_and_failures_are_recorded():
    func = get_experiment("test.shapes").func
    tasks = [make_task({"a": a}, 0) for a in range(5)]
    out = run_batch(func, _payload(tasks), 0)
    done = dict(out["done"])
    assert done[tasks[0].task_id] == []
    row = done[tasks[1].task_id][0]
    assert row["n"] == 3 and type(row["n"]) is int and row["ok"] is True and type(row["v"]) is float
    failed = {t: (kind, msg) for t, kind, msg, _tb in out["failed"]}
    assert failed[tasks[2].task_id] == (
        "InvalidRowsError",
        "row 0: value of 'v' must be a scalar (bool, int, float, str or None); got ndarray")
    assert failed[tasks[3].task_id][1].startswith("row 0: column 'a' clashes with a parameter")
    assert failed[tasks[4].task_id][1] == ("the experiment must return a dict or a list of dicts; "
                                           "got int")
    assert out["seconds"] >= 0


def test_exceptions_keep_type_message_and_traceback():
    func = get_experiment("test.flaky").func
    tasks = [make_task({"a": 1}, s) for s in range(12)]
    out = run_batch(func, _payload(tasks), 0)
    assert out["failed"] and out["done"]
    assert len(out["failed"]) + len(out["done"]) == 12
    _task, kind, msg, tb = out["failed"][0]
    assert kind == "ValueError" and msg.startswith("unlucky draw 0.")
    assert "Traceback" in tb and "raise ValueError" in tb
