"""`grade --ray`: a local 2-CPU Ray cluster grades the bundled class with the plain run's verdicts, and a worker
killed mid-run is retried by Ray with nothing lost.

Without Ray these tests skip, saying why; CI installs it (tools/install_extras.sh) and sets
LR_GRADER_REQUIRE_EXTRAS=1, so there a missing install fails them instead.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grader.fanout import INSTALL_HINT, RayUnavailable, run_on_ray
from grader.grade import grade_class
from grader.runner import Cache
from grader.unit import Unit
from reference.engines import resolve

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "submissions"
REQUIRED = os.environ.get("LR_GRADER_REQUIRE_EXTRAS") == "1"
try:
    import psutil
    import ray  # noqa: F401

    HAVE_RAY = True
except ImportError:
    HAVE_RAY = False
needs_ray = pytest.mark.skipif(
    not HAVE_RAY and not REQUIRED,
    reason="Ray/psutil not installed (tools/install_extras.sh); CI sets LR_GRADER_REQUIRE_EXTRAS=1 and fails",
)
RAY_CLI = Path(sys.executable).with_name("ray")
RAY_CLI = RAY_CLI if RAY_CLI.exists() else Path(shutil.which("ray") or "ray")


def _die_with_parent() -> None:
    """Linux: the head gets SIGTERM if pytest itself is killed, so a killed test run leaves no cluster behind."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_ports(n: int) -> list[int]:
    """`n` distinct free ports: each socket held open until all are chosen (one at a time, the OS may hand the same
    port out twice — CI once gave the dashboard and the client server both 42771, and `ray start` refused)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`ray start --head --num-cpus 2` on loopback, in its own temp dir; stopped by its pid (and its children's)."""
    if not HAVE_RAY:
        pytest.fail(f"LR_GRADER_REQUIRE_EXTRAS=1 but Ray is not installed: {INSTALL_HINT}")
    (port, dashboard, client), log = _free_ports(3), tmp_path_factory.mktemp("ray") / "start.log"
    temp = tempfile.mkdtemp(prefix="lrg-ray-", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    # A throwaway test cluster: no token authentication (a driver reads its auth mode once, at `import ray`).
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    with open(log, "w") as out:
        head = subprocess.Popen([str(RAY_CLI), "start", "--head", "--block", "--port", str(port), "--num-cpus", "2",
                                 "--num-gpus", "0", "--node-ip-address", "127.0.0.1", "--include-dashboard", "false",
                                 "--dashboard-port", str(dashboard), "--ray-client-server-port", str(client),
                                 "--disable-usage-stats", "--temp-dir", temp],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                preexec_fn=_die_with_parent)  # fmt: skip
    deadline = time.time() + 120
    while "Ray runtime started" not in log.read_text():
        assert head.poll() is None and time.time() < deadline, f"ray start failed: {log.read_text()[-2000:]}"
        time.sleep(0.5)
    try:
        yield f"127.0.0.1:{port}", head
    finally:
        started = psutil.Process(head.pid).children(recursive=True)
        head.terminate()  # `ray start --block` stops its processes on SIGTERM
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            head.kill()
        for p in started:  # anything of ours that outlived it
            if p.is_running():
                p.kill()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def plain(bundled_quick):
    """The bundled class graded in this process, no Ray (shared with test_bundled_class): what Ray must reproduce."""
    return bundled_quick[0]


def verdicts(result) -> dict:
    return {s.id: (s.status, s.verdict, s.error, [(c.check, c.subject, c.status) for c in s.checks])
            for s in result.students}  # fmt: skip


def assert_complete(result, cache_dir: Path, plain_result) -> None:
    """Every run of every graded student has a result (as in the plain run) and is in the cache."""
    plain_errors = {(s.id, r.name): r.error for s in plain_result.students for r in s.runs}
    cache = Cache(cache_dir)
    for s in result.students:
        for r in s.runs:
            assert r.error == plain_errors[(s.id, r.name)], (s.id, r.name, r.error)
            if r.result is not None:
                assert cache.get(r.key) == r.result, (s.id, r.name)


@pytest.mark.slow  # a Ray cluster and four students of the bundled class
@needs_ray
def test_a_worker_killed_mid_run_is_retried_and_nothing_is_lost(cluster, plain, tmp_path):
    """`grade SMALL --ray ADDRESS` in a subprocess; once a worker is executing a rerun it is SIGKILLed. Ray reruns
    that task (max_retries), so the class finishes with every run's result, the plain verdicts (graded in this
    process, no Ray), and the cache full. (Four students rather than the class: CI's time budget.)"""
    address, head = cluster
    small = tmp_path / "class"
    small.mkdir()
    shutil.copy(SUBMISSIONS / "assignment.toml", small)
    for name in ("s001-multistep-onecycle", "s004-legacy-config", "s006-diverging", "s008-reproducible"):
        shutil.copytree(SUBMISSIONS / name, small / name)
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "grader.cli", str(small), "--quick", "--quiet", "--device", "cpu", "--engine",
           "sequential", "--out", str(tmp_path / "reports"), "--cache", str(cache), "--ray", address]  # fmt: skip
    grading = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.time() + 240
    while killed is None and grading.poll() is None and time.time() < deadline:
        for p in psutil.Process(head.pid).children(recursive=True):
            try:
                if "ray::grade_unit" in " ".join(p.cmdline()):
                    p.send_signal(signal.SIGKILL)
                    killed = p.pid
                    break
            except psutil.Error:
                continue
        time.sleep(0.2)
    out, err = grading.communicate(timeout=600)
    assert killed is not None, "no Ray worker was seen executing grade_unit"
    assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == psutil.STATUS_ZOMBIE
    assert grading.returncode == 0, err[-2000:]
    assert "4 submission(s)" in out
    # Nothing lost: grading again from the same cache reruns nothing, and gives the plain run's verdicts.
    again = grade_class(small, out=None, quick=True, cache_dir=cache, device="cpu", engine="sequential")
    ids = {s.id for s in again.students}
    assert again.meta["cache_hits"] == again.meta["reruns"] > 10
    assert verdicts(again) == {k: v for k, v in verdicts(plain).items() if k in ids}
    assert_complete(again, cache, plain)
    # Each task ran in a Ray worker with the one CPU it held (threads recorded in the results' meta).
    assert {r.result["meta"]["threads"] for s in again.students for r in s.runs if r.result} == {1}


def test_resources_follow_device_and_engine():
    unit = lambda device, engine, nproc: Unit((), None, device, 60.0, resolve(engine, device), nproc=nproc)  # noqa: E731
    assert unit("cpu", "sequential", 2).resources() == (1, 0)
    assert unit("cuda", "batched", 2).resources() == (1, 1)
    assert unit("cpu", "colossalai", 3).resources() == (3, 0)
    assert unit("cuda", "colossalai", 2).resources() == (1, 2)


def test_missing_ray_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(RayUnavailable) as err:
        run_on_ray({("k",): ()}, lambda keys, outs: None, address="auto")
    assert str(err.value) == INSTALL_HINT and isinstance(err.value, ValueError)

    from grader.cli import main

    args = ["--ray", "auto", "--only", "s004-legacy-config", "--quick", "--quiet", "--out", str(tmp_path),
            "--cache", str(tmp_path)]  # fmt: skip
    assert main([str(SUBMISSIONS), *args]) == 2
    assert capsys.readouterr().err == f"grade: error: {INSTALL_HINT}\n"
