"""The `colossalai` engine: a run through ColossalAI's `Booster`, as the course ran it, launched under `torchrun`.

`run_colossalai` starts `python -m torch.distributed.run --standalone --nproc_per_node N -m
reference.engines.colossal_worker DIR`: the config goes in as `DIR/job.json`, rank 0 writes the result to
`DIR/result.json` (the same dict `reference.loop.run` returns), a failing rank writes `DIR/error.<rank>.json`.
Everything the workers print (ColossalAI's import warnings, torchrun's logs) goes to `DIR/torchrun.log` and only
its gist surfaces, as one line, if the run fails.

Semantics (docs/colossalai.md): `batch_size` is the GLOBAL batch. Every rank draws the reference loop's seeded
permutation and takes its slice of each global batch; its loss is the slice's summed loss × world / global batch,
so DDP's gradient average is the single-process batch mean. The update equals the reference's up to float
rounding, and so do the curves.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from reference.config import RunConfig
from reference.datasets import DataUnavailable
from reference.loop import TimeLimitExceeded, pick_device

PLUGINS = ("torch_ddp", "low_level_zero")
PRECISIONS = ("fp32", "fp16", "bf16")
INSTALL_HINT = (
    "the colossalai engine needs ColossalAI: run tools/install_extras.sh (installs colossalai==0.5.0 without "
    "touching torch)"
)
GRACE_S = 30.0  # after the time limit, how long the workers get to notice and exit before they are killed


class EngineUnavailable(ValueError):
    """ColossalAI is not installed (or cannot be imported): one line saying how to install it."""


class ColossalRunError(RuntimeError):
    """The torchrun job failed for a reason other than the run's own config; the message is one line."""


def available() -> bool:
    """Is ColossalAI installed? (Found without importing it: its import takes seconds.)"""
    try:
        return importlib.util.find_spec("colossalai") is not None
    except (ImportError, ValueError):
        return False


def options(plugin: str | None, precision: str | None, device: torch.device) -> tuple[str, str]:
    """The plugin and precision to use (default DDP fp32). Arguments only, no environment variables: the grader's
    cache key names the engine and process count, so anything else changing a result must not be implicit."""
    plugin, precision = plugin or "torch_ddp", precision or "fp32"
    if plugin not in PLUGINS:
        raise ValueError(f"unknown ColossalAI plugin {plugin!r}; choose from {', '.join(PLUGINS)}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    if device.type != "cuda" and (plugin, precision) != ("torch_ddp", "fp32"):
        raise ValueError(f"plugin {plugin} with {precision} needs a GPU; on CPU the engine runs torch_ddp fp32")
    return plugin, precision


def run_each(cfgs: list[RunConfig], **kw) -> list[dict]:
    """The colossalai engine: `run_colossalai` for each config, one after another."""
    return [run_colossalai(cfg, **kw) for cfg in cfgs]


def run_colossalai(
    cfg: RunConfig,
    *,
    device: str | torch.device = "auto",
    until_epoch: float | None = None,
    nproc: int = 2,
    data_root: str | None = None,
    download: bool = False,
    progress: bool = False,
    time_limit: float | None = None,
    plugin: str | None = None,
    precision: str | None = None,
    **_ignored: object,
) -> dict:
    """`reference.loop.run`'s result for `cfg`, trained by `nproc` torchrun processes through ColossalAI's Booster.

    Raises EngineUnavailable (a ValueError) without ColossalAI, ValueError for what this engine cannot run,
    TimeLimitExceeded past `time_limit` seconds (launch included), ColossalRunError if the job fails otherwise.
    """
    started = time.perf_counter()
    device = pick_device(device) if isinstance(device, str) else device
    if cfg.schedule.name.startswith("auto"):
        raise ValueError(f"the colossalai engine does not run the automated schedule {cfg.schedule.name!r}; "
                         "use --engine sequential")  # fmt: skip
    if nproc < 1:
        raise ValueError(f"--nproc must be at least 1, got {nproc}")
    if cfg.batch_size < nproc:
        raise ValueError(f"batch size {cfg.batch_size} is the global batch: it cannot be split over {nproc} processes")
    if device.type == "cuda" and nproc > torch.cuda.device_count():
        raise ValueError(f"--nproc {nproc} on CUDA needs {nproc} GPUs; torch sees {torch.cuda.device_count()}")
    plugin, precision = options(plugin, precision, device)
    if not available():
        raise EngineUnavailable(INSTALL_HINT)
    deadline = time.time() + time_limit if time_limit is not None else None
    with tempfile.TemporaryDirectory(prefix="lr-grader-colossalai-") as tmp:
        job = {"config": cfg.model_dump(mode="json"), "until_epoch": until_epoch, "device": device.type,
               "data_root": data_root, "download": download, "deadline": deadline, "time_limit": time_limit,
               "plugin": plugin, "precision": precision, "progress": progress}  # fmt: skip
        (Path(tmp) / "job.json").write_text(json.dumps(job))
        rc = _launch(Path(tmp), nproc, device, deadline, time_limit, progress, cfg)
        result = _collect(Path(tmp), rc)
    meta = result["meta"]
    meta["train_wall_time_s"] = meta["wall_time_s"]  # inside the workers, from data loading on
    meta.update(engine="colossalai", nproc=nproc, wall_time_s=round(time.perf_counter() - started, 3))
    return result


def _launch(tmp: Path, nproc: int, device: torch.device, deadline: float | None, time_limit: float | None,
            progress: bool, cfg: RunConfig) -> int:  # fmt: skip
    """Run torchrun to completion (killing its whole process group on timeout or interrupt); its exit status."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "--max_restarts=0", "-m", "reference.engines.colossal_worker", str(tmp)]  # fmt: skip
    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS=str(max(1, torch.get_num_threads() // nproc)),  # ranks × threads ≤ this process's threads
        PYTHONWARNINGS="ignore",
        TRANSFORMERS_VERBOSITY="error",
        TORCH_CPP_LOG_LEVEL=env.get("TORCH_CPP_LOG_LEVEL", "ERROR"),
    )
    if device.type == "cpu":
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")  # one machine: keep the gloo traffic on loopback
    bar = _Progress(progress, f"colossalai×{nproc} {cfg.task} {cfg.optimizer} {cfg.schedule.name}", tmp)
    with open(tmp / "torchrun.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)  # fmt: skip
    try:
        while True:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                bar.poll()
            if deadline is not None and time.time() > deadline + GRACE_S:
                raise TimeLimitExceeded(f"run stopped after {time_limit:g} s (colossalai workers killed)")
    finally:
        bar.close()
        if proc.poll() is None:  # timeout, Ctrl-C: take torchrun and every rank down with it
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


_ERRORS: dict[str, type[Exception]] = {
    "TimeLimitExceeded": TimeLimitExceeded,
    "DataUnavailable": DataUnavailable,
    "EngineUnavailable": EngineUnavailable,
    "ValueError": ValueError,
    "ValidationError": ValueError,
}


def _collect(tmp: Path, rc: int) -> dict:
    """The result rank 0 wrote, or the first rank's error raised as the matching exception (one line)."""
    for path in sorted(tmp.glob("error.*.json"), key=lambda p: int(p.name.split(".")[1])):
        err = json.loads(path.read_text())
        cls = _ERRORS.get(err["type"])
        if cls is not None:
            raise cls(err["message"])
        raise ColossalRunError(f"colossalai worker (rank {err['rank']}) failed: {err['type']}: {err['message']}")
    if (tmp / "result.json").exists():  # written after the last step: a hiccup in teardown does not undo it
        return json.loads((tmp / "result.json").read_text())
    raise ColossalRunError(f"colossalai run failed (torchrun exit status {rc}): {_gist(tmp / 'torchrun.log')}")


def _gist(log: Path) -> str:
    """The line of a torchrun log that says what went wrong (the last error line, else the last line)."""
    try:
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except FileNotFoundError:
        return "no output"
    errors = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception|Exceeded)\b", ln)]
    line = (errors or lines or ["no output"])[-1]
    return line if len(line) <= 300 else line[:297] + "..."


class _Progress:
    """A step bar fed by the `progress` file rank 0 rewrites ("step total") as it trains."""

    def __init__(self, enabled: bool, desc: str, tmp: Path) -> None:
        self.path, self.bar = tmp / "progress", None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=None, desc=desc, unit="step", leave=False)

    def poll(self) -> None:
        if self.bar is None:
            return
        try:
            step, total = (int(v) for v in self.path.read_text().split())
        except (FileNotFoundError, ValueError):
            return
        self.bar.total = total
        self.bar.update(step - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
