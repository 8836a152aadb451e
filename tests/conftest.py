import signal
from pathlib import Path

import pytest
import torch

from grader.grade import grade_class
from reference.data import load_data

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"


def pytest_configure(config: pytest.Config) -> None:
    # One torch thread, the default of `reference` and of the grader's workers: a test's runs then cost about the
    # same on an idle machine and on a busy one, where torch's default (every core) slows down many-fold.
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def mnist5k():
    """The embedded default, loaded once for the whole session."""
    return load_data("mnist-5k", torch.device("cpu"))


@pytest.fixture(scope="session")
def bundled_quick(tmp_path_factory):
    """The bundled class graded once, quick mode, sequential engine on CPU: (ClassResult, its temp folder)."""
    tmp = tmp_path_factory.mktemp("bundled")
    result = grade_class(SUBMISSIONS, out=tmp / "reports", quick=True, cache_dir=tmp / "cache", device="cpu",
                         engine="sequential", jobs="auto")  # fmt: skip  # as the CLI: a process per core
    return result, tmp


@pytest.fixture
def alarm():
    """A load that blocks (a FIFO opened for reading) fails the test after 5 s instead of hanging it."""

    def hang(signum, frame):
        raise TimeoutError("the loader blocked")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)
