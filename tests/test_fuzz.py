"""The loading boundary under generated input: benchmarks/fuzz.py's seeded generators, a few hundred cases per
loader (submission.toml, config.py, assignment.toml), each written to disk and read by the grader's entry points.

Every case loads or gets one clean line (no line break, no control character, bounded, no instructor path);
nothing escapes as an exception, nothing runs (marker files), no case takes over 2 s (an alarm, not a timing).
`python benchmarks/fuzz.py --n 10000` is the long run, committed in benchmarks/results/fuzz.txt.
"""

import importlib.util
import random
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("fuzz", ROOT / "benchmarks" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

CASES = 250


@pytest.mark.parametrize("family", ["submission", "legacy", "assignment"])
def test_every_generated_file_loads_or_gets_one_clean_line(family, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a payload that ran with a relative path would land here
    marker = tmp_path / fuzz.MARKER
    outcomes, bad = Counter(), []
    for i in range(CASES):
        rng = random.Random(f"test:{family}:{i}")
        data = fuzz.legacy_case(rng, str(marker)) if family == "legacy" else fuzz.toml_case(rng, family)
        outcome, detail = fuzz.run_case(family, data, tmp_path, timeout=2.0)
        outcomes[outcome] += 1
        if outcome not in ("accepted", "clean"):
            bad.append((i, outcome, detail))
        assert not marker.exists(), f"case {i} ran code"
    assert not bad, bad[:5]
    assert outcomes["accepted"] and outcomes["clean"]  # the generator reaches both sides of the boundary


def test_the_generators_are_seeded():
    a = [fuzz.toml_case(random.Random(f"s:{i}")) for i in range(20)]
    assert a == [fuzz.toml_case(random.Random(f"s:{i}")) for i in range(20)]
    assert len(set(a)) > 15


def test_classify_refuses_unsafe_error_lines():
    assert fuzz.classify(None, None, "/class") == "accepted"
    assert fuzz.classify("submission.toml line 3: not UTF-8 text", None, "/class") == "clean"
    assert fuzz.classify("two\nlines", None, "/class") == "crash"
    assert fuzz.classify("name \x1b]0;PWNED\x07", None, "/class") == "crash"
    assert fuzz.classify("cannot read /class/s1/config.py", None, "/class") == "crash"
    assert fuzz.classify("internal", "TypeError: x", "/class") == "crash"
