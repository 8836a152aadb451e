"""A logs file named as browsers and students name files — a duplicate download's "(1)", accents, Chinese — is read
(examiner probe 27: `logs/adam-sweep (1).csv` and `adam-sweep-résumé.csv` were refused, "letters, digits, spaces",
and the entry's claim went pending as "not stated … nor do the entry's logs"); names that could mislead a reader or a
file system (controls, bidi and zero-width marks, Windows' reserved characters, a leading dot or dash) still are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.load import load_submission
from grader.logs import gather
from reference.outputs import Logs, write_csv

SUB = """
[student]
id = "a"
name = "A"

[[range_test]]
name = "sweep"
optimizer = "adam"
start_lr = 1e-5
end_lr = 1.0
steps = 40
rule = "min"
logs = "{logs}"
"""


def _sweep_log(path: Path) -> None:
    lrs = [1e-5 * (1e5) ** (i / 39) for i in range(40)]
    loss = [2.3 - 1.5 * (i / 30) if i <= 30 else 1.8 + (i - 30) for i in range(40)]  # lowest at step 30
    write_csv(Logs(source="x", step=list(range(40)), lr=lrs, train_loss=loss), path)


@pytest.mark.parametrize("name", ["logs/adam-sweep (1).csv", "logs/adam-sweep-résumé.csv", "日志/学习率 sweep.csv",
                                  "logs/run_[2024-05-01] #3, try+1.csv"])  # fmt: skip
def test_an_honest_file_name_is_read_and_its_pick_taken(tmp_path, name):
    folder = tmp_path / "a"
    _sweep_log(folder / name)
    (folder / "submission.toml").write_text(SUB.format(logs=name), encoding="utf-8")
    x = load_submission(folder)
    assert x.error is None, x.error
    assert x.submission.range_test[0].logs == name, x.warnings
    sub, ev = gather(folder, x.submission)
    assert isinstance(ev.logs["sweep"], Logs), ev.logs
    assert sub.range_test[0].claimed_lr == pytest.approx(1e-5 * (1e5) ** (30 / 39), rel=1e-3)


MISLEADING = ["logs/a\u202ecsv.exe", "logs/a\u200bb.csv", "C:/logs/a.csv", "logs/a?.csv", "logs/<b>.csv", ".hidden.csv",
              "-rf.csv", "logs/../../x.csv"]  # fmt: skip


@pytest.mark.parametrize("name", MISLEADING)
def test_a_misleading_name_is_refused_with_one_line_costing_only_the_logs(tmp_path, name):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "submission.toml").write_text(SUB.format(logs=name.replace("\\", "\\\\")), encoding="utf-8")
    x = load_submission(folder)
    assert x.error is None, x.error
    assert x.submission.range_test[0].logs is None
    (line,) = [w for w in x.warnings if w.startswith("Logs not used: range_test[0].logs")]
    assert "\u202e" not in line and "\u200b" not in line


@pytest.mark.parametrize("mark", ["\u00ad", "\u061c", "\U000e0041", "\u3164", "\u034f", "\u180e", "\ufe0f"])
def test_an_invisible_character_in_a_logs_name_is_refused(tmp_path, mark):
    """Examiner probe 28: soft hyphen, Arabic letter mark, tag characters, Hangul filler, CGJ, Mongolian vowel
    separator and variation selectors passed the pattern and reached report.md and report.html raw."""
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "submission.toml").write_text(SUB.format(logs=f"logs/a{mark}b.csv"), encoding="utf-8")
    x = load_submission(folder)
    assert x.submission.range_test[0].logs is None
    (line,) = [w for w in x.warnings if w.startswith("Logs not used: range_test[0].logs")]
    assert mark not in line and "invisible" in line, line
