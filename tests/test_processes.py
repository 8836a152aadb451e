"""Students who trained on more than one process (examiner probe 31). The course trained with ColossalAI's Booster +
TorchDDPPlugin under `torchrun --nproc_per_node N`, its scripts giving BATCH_SIZE to each process's DataLoader: N
processes trained at a batch of N × BATCH_SIZE per optimizer step, the grader's `batch_size`. A process count stated in
[setup] (`nproc`, `world_size`, `num_gpus`, …) or in a course config.py (`NUM_GPUS`, `WORLD_SIZE`,
`parallel = dict(data=N)`) is read as data, with one note saying what is read: each was ERROR 0/100 for the whole
submission, or ignored while the rerun kept batch 128; an entry's own process count sets only that entry apart. A
folder of one log per process (ranks 0..N−1 of one name) is read as rank 0's, one note saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.load import load_submission
from grader.logs import LogError, read_logs
from grader.plan import plan
from grader.schema import Assignment
from reference.outputs import Logs, write_tensorboard

STEP = "the batch of one optimizer step over all processes"
SWEEP = """
[[range_test]]
name = "sweep"
optimizer = "sgd"
momentum = 0.9
start_lr = 1e-5
end_lr = 10.0
epochs = 10
rule = "steepest"
claimed_lr = 0.142
"""
RUN = """
[[run]]
name = "train"
optimizer = "sgd"
momentum = 0.9
lr = 0.0506
epochs = 30
{extra}
"""


def _load(tmp_path: Path, setup: str, run: str = ""):
    folder = tmp_path / "s1"
    folder.mkdir(parents=True)
    text = f'[student]\nid = "s1"\nname = "S"\n\n[setup]\ndataset = "mnist-5k"\n{setup}\n{SWEEP}{RUN.format(extra=run)}'
    (folder / "submission.toml").write_text(text)
    x = load_submission(folder)
    assert x.error is None, x.error
    return x


@pytest.mark.parametrize("key", ["nproc", "world_size", "num_gpus", "gpus", "nproc_per_node", "num_processes", "n_gpu"])
def test_a_process_count_in_setup_reads_batch_size_as_each_process_batch(tmp_path, key):
    x = _load(tmp_path, f"batch_size = 128\n{key} = 2")
    assert x.submission.setup.batch_size == 256
    assert f"[setup] {key} = 2 with batch_size = 128: 2 processes × batch 128 each read as batch_size = 256 ({STEP}; " \
        "the course's scripts gave BATCH_SIZE to each process's DataLoader) — if 128 was already the batch over all " \
        f"processes, delete {key}" in x.warnings  # fmt: skip
    assert not x.submission._apart  # nothing set apart, nothing refused
    # the rerun trains at the global batch: 4,000 images at 256 are 16 optimizer steps an epoch
    runs = plan(x.submission, Assignment(), quick=False)
    assert {p.config.batch_size for p in runs} == {256}


@pytest.mark.parametrize("key", ["batch_size_per_gpu", "per_device_batch_size", "batch_size_per_device",
                                 "local_batch_size"])  # fmt: skip
def test_a_per_process_batch_with_a_count_is_the_count_times_it(tmp_path, key):
    x = _load(tmp_path, f"nproc = 2\n{key} = 128")
    assert x.submission.setup.batch_size == 256
    assert f"[setup] nproc = 2 processes × {key} = 128 each read as batch_size = 256 ({STEP})" in x.warnings


def test_a_per_process_batch_alone_is_one_process_and_says_how_to_state_more(tmp_path):
    x = _load(tmp_path, "batch_size_per_gpu = 128")  # was "(did you mean 'batch_size'?)": ERROR 0/100
    assert x.submission.setup.batch_size == 128
    assert f"[setup] batch_size_per_gpu = 128 with no process count read as one process: batch_size = 128 ({STEP}); " \
        "on N processes, add nproc = N to [setup], read as N × 128" in x.warnings  # fmt: skip


def test_a_count_with_no_batch_takes_the_default_batch_on_each_process(tmp_path):
    x = _load(tmp_path, "world_size = 4")
    assert x.submission.setup.batch_size == 512
    assert any(w.startswith("[setup] world_size = 4 with no batch_size (the default 128): 4 processes × batch 128 "
                            "each read as batch_size = 512") for w in x.warnings)  # fmt: skip


def test_a_global_batch_and_a_count_of_one_read_as_stated(tmp_path):
    x = _load(tmp_path, "nproc = 2\nglobal_batch_size = 256")
    assert x.submission.setup.batch_size == 256
    assert f"[setup] global_batch_size = 256 read as batch_size = 256 ({STEP})" in x.warnings
    one = _load(tmp_path / "b", "batch_size = 128\nnum_gpus = 1")
    assert one.submission.setup.batch_size == 128
    assert f"[setup] num_gpus = 1: one process, batch_size = 128 ({STEP})" in one.warnings


def test_an_unreadable_or_disagreeing_count_is_not_read_and_refuses_nothing(tmp_path):
    x = _load(tmp_path, 'batch_size = 128\nnproc = "two"')
    assert x.submission.setup.batch_size == 128
    assert '[setup] nproc = "two": not a whole number of processes from 1 to 4096, not read' in x.warnings
    y = _load(tmp_path / "b", "batch_size = 128\nnproc = 2\nworld_size = 4")
    assert y.submission.setup.batch_size == 128
    assert "[setup] nproc = 2 and world_size = 4 disagree: none of them is read" in y.warnings


def test_a_run_entry_count_sets_only_that_entry_apart_saying_what_to_write(tmp_path):
    x = _load(tmp_path, "batch_size = 128", "num_gpus = 2")  # was refused: "run[0].num_gpus: unknown key"
    assert x.submission.setup.batch_size == 128
    assert [e.name for e in x.submission.range_test] == ["sweep"] and not x.submission.run  # the sweep is graded
    apart = x.submission._apart["train"]
    assert apart.unsupported  # the grader's limit: its claims pending review, not a fault of the student's
    why = ("run[0].num_gpus = 2: a process count is read in [setup] only, beside its batch_size (one batch for every "
           "entry): write nproc = 2 in [setup] if every entry trained so (batch_size then read as each process's "
           "batch), else delete it here; this entry is not rerun at a batch of its own")  # fmt: skip
    assert apart.why == why
    assert f"{why} — its claims are pending review (a limit of the grader's, not a fault)" in x.warnings


def test_a_run_entry_count_equal_to_setups_is_read_there(tmp_path):
    x = _load(tmp_path, "batch_size = 128\nnproc = 2", "nproc = 2")
    assert x.submission.setup.batch_size == 256 and [e.name for e in x.submission.run] == ["train"]
    assert f"run[0].nproc = 2: [setup]'s nproc = 2, read there; the entry takes [setup]'s batch_size ({STEP})" in \
        x.warnings  # fmt: skip


def test_a_onecycle_total_counts_the_global_batchs_steps(tmp_path):
    # 2 processes × 128: 16 optimizer steps an epoch on mnist-5k's 4,000 images, 480 over 30 epochs (the rerun's own)
    x = _load(tmp_path, "batch_size = 128\nnproc = 2",
              'schedule = { name = "OneCycleLR", max_lr = 0.1, total_steps = 480, cadence = "step" }')  # fmt: skip
    assert not x.submission._apart and x.submission.run[0].schedule.name == "onecycle"
    assert "run[0].schedule: total_steps = 480 dropped: the rerun's own (set from the run, to the same value, or " \
        "changing no LR)" in x.warnings  # fmt: skip


# ---------------------------------------------------------------- a folder of one log per process


CSV = "step,lr,train_loss\n1,0.05,2.30\n2,0.05,2.25\n"


def test_a_folder_of_one_log_per_rank_is_read_as_rank_zeros(tmp_path):
    """Each process logs the same run (its LR table; its own share's loss): rank 0's is read, one note saying so; a
    pair that is not ranks 0..N−1 of one name is named, with the file to point logs at."""
    run = tmp_path / "logs" / "train"
    run.mkdir(parents=True)
    for rank in (0, 1):
        (run / f"log_rank{rank}.csv").write_text(CSV if rank == 0 else CSV.replace("2.30", "2.40"))
    notes: list[str] = []
    assert read_logs(tmp_path, "logs/train", notes=notes).train_loss[0] == 2.30
    assert "logs 'logs/train': one log file per process: rank 0's, \"log_rank0.csv\", read (each process logs the " \
        "same run)" in notes, notes  # fmt: skip
    tb = tmp_path / "runs" / "train"
    for rank in (0, 1):
        write_tensorboard(Logs("", [0, 1], [0.05, 0.05], [2.3 + rank, 2.25], [], [], []), tb / f"rank{rank}")
    notes = []
    assert read_logs(tmp_path, "runs/train", notes=notes).train_loss[0] == pytest.approx(2.3)
    assert any("one event folder per process" in n and 'rank 0\'s, "rank0"' in n for n in notes), notes
    (run / "log_rank1.csv").rename(run / "log_rank3.csv")  # not ranks 0..N−1: which is this run's is not read off
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "logs/train")
    assert str(err.value) == (
        "logs 'logs/train': no TensorBoard event file (*tfevents*) in the folder or its sub-folders: it holds 2 CSV "
        'files ("log_rank0.csv", "log_rank3.csv"): point logs at one file — one per process? rank 0\'s: '
        'logs = "logs/train/log_rank0.csv"'
    )


def test_one_csv_appended_to_by_two_processes_is_read_with_a_note(tmp_path):
    """Both ranks appending their own loss to one CSV: each step twice with different values, the last written read,
    and one note says so (examiner probe 31: merged silently). The same figures written twice need no note."""
    both = "step,lr,train_loss\n1,0.05,2.30\n1,0.05,2.40\n2,0.05,2.25\n2,0.05,2.20\n"
    (tmp_path / "both.csv").write_text(both)
    notes: list[str] = []
    assert read_logs(tmp_path, "both.csv", notes=notes).train_loss[:2] == [2.40, 2.20]
    assert "logs 'both.csv': 2 step(s) logged twice or more with different values (Loss/train first at step 1); the " \
        "value written last is read (two processes appending to one file, or two figures logged under one name?): " \
        "hand in rank 0's own log, one value a step" in notes, notes  # fmt: skip
    (tmp_path / "same.csv").write_text("step,lr,train_loss\n1,0.05,2.30\n1,0.05,2.30\n2,0.05,2.25\n2,0.05,2.25\n")
    notes = []
    assert read_logs(tmp_path, "same.csv", notes=notes).train_loss[:2] == [2.30, 2.25]
    assert not notes, notes


def test_a_folder_of_several_logs_lists_three_and_one_log_is_pointed_at(tmp_path):
    many = tmp_path / "logs" / "many"
    many.mkdir(parents=True)
    for name in ("a.csv", "b.csv", "c.json", "d.csv"):
        (many / name).write_text(CSV)
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "logs/many")
    assert str(err.value).endswith(': it holds 3 CSV files and 1 JSON file ("a.csv", "b.csv", "c.json", …): point '
                                   'logs at the one file of this run, logs = "logs/many/<file>"')  # fmt: skip
    one = tmp_path / "logs" / "one"
    one.mkdir()
    (one / "metrics.csv").write_text(CSV)
    with pytest.raises(LogError) as err:
        read_logs(tmp_path, "logs/one")
    assert str(err.value).endswith(': it holds 1 CSV file ("metrics.csv"): point logs at the file, '
                                   'logs = "logs/one/metrics.csv"')  # fmt: skip


# ---------------------------------------------------------------- a course config.py

CONFIG = """\
# trained with: colossalai run --nproc_per_node 2 train.py --config config.py
{batch}NUM_EPOCHS = 30
OPTIMIZER = "sgd"
LEARNING_RATE = 0.0506
MOMENTUM = 0.9
{extra}
"""
READ = f"2 processes × {{each}} each read as batch_size = 256 ({STEP}; the course's scripts gave BATCH_SIZE to each " \
    "process's DataLoader)"  # fmt: skip


@pytest.mark.parametrize("extra, said", [("NUM_GPUS = 2\nWORLD_SIZE = 2", "NUM_GPUS = 2"),
                                         ("world_size = 2", "world_size = 2"),
                                         ("parallel = dict(data=2)", "parallel['data'] = 2"),
                                         ("parallel = dict(data=dict(size=2), tensor=dict(size=1, mode=None))",
                                          "parallel['data'] = 2")])  # fmt: skip
def test_a_config_py_process_count_reads_batch_size_per_process(tmp_path, extra, said):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "config.py").write_text(CONFIG.format(batch="BATCH_SIZE = 128\n", extra=extra))
    x = load_submission(folder)
    assert x.error is None, x.error
    assert x.submission.setup.batch_size == 256
    assert f"{said}: {READ.format(each='BATCH_SIZE 128')}" in x.warnings
    assert not any("not a field the grader knows" in w or "pipeline/tensor" in w for w in x.warnings), x.warnings


def test_a_config_py_count_without_batch_size_takes_the_templates_and_pipeline_still_warns(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "config.py").write_text(CONFIG.format(batch="", extra="parallel = dict(data=2, pipeline=2)"))
    x = load_submission(folder)
    assert x.error is None, x.error
    assert x.submission.setup.batch_size == 256
    each = "the template's BATCH_SIZE 128"
    assert f"parallel['data'] = 2: {READ.format(each=each)}" in x.warnings
    assert "parallel: pipeline/tensor parallelism is not re-run: reruns are data parallel at most (--engine " \
        "colossalai)" in x.warnings  # fmt: skip
