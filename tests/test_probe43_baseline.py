"""Examiner probe 43 ("form invariance"), the runs whose baseline carries points.

- M4: a run marked role = "final" that the config check refused (an unreadable scheduler name) handed its baseline
  points to a control: s01's ×10 control went from "For information" to 13.33 pending, s22's constant control from
  "For information" to PASS 16.67, so the refusal cost s22 less than it cost others.
- L2: in a quick grade, two runs level at the compared epoch (a constant and a step schedule before its first step)
  were ranked by the order they are written in: reordering the entries moved the judged baseline.

Every run here is a committed config with no logs, judged against its committed seeds: a class grades with no rerun.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.context import load_baselines
from grader.grade import grade_class

BUNDLED = Path(__file__).resolve().parents[1] / "submissions"
RUNS = next(b for b in load_baselines("mnist-5k") if b["name"] == "mnist-5k")["runs"]
HEAD = ('[student]\nid = "{sid}"\nname = "{sid}"\n[setup]\ndataset = "mnist-5k"\n'
        '[[range_test]]\nname = "sweep"\noptimizer = "sgd"\nmomentum = 0.9\nstart_lr = 1e-5\nend_lr = 10.0\n'
        'epochs = 10\nrule = "steepest"\nclaimed_lr = 0.0506\n')  # fmt: skip  # the committed SGD sweep


def _claims(ref: str) -> str:
    """The committed config `ref`'s seed-mean final figures, as an honest student of it states them."""
    final = RUNS[ref]["final"]
    return (f"claimed_test_accuracy = {final['test_accuracy']['mean']:.4f}\n"
            f"claimed_test_loss = {final['test_loss']['mean']:.4f}\n")  # fmt: skip


def _run(name: str, schedule: str = "", role: str | None = None, epochs: int = 30, ref: str = "sgd-constant") -> str:
    return (f'[[run]]\nname = "{name}"\noptimizer = "sgd"\nmomentum = 0.9\nlr = 0.0506\n{schedule}epochs = {epochs}\n'
            + (f'role = "{role}"\n' if role else "") + _claims(ref))  # fmt: skip


def _grade(tmp_path: Path, students: dict[str, str]) -> dict:
    """A class of `students` (id → its [[run]] entries, after the committed SGD sweep) graded quick, with no rerun:
    id → its StudentResult."""
    root = tmp_path / "class"
    for sid, runs in students.items():
        (root / sid).mkdir(parents=True)
        (root / sid / "submission.toml").write_text(HEAD.format(sid=sid) + runs)
    shutil.copy(BUNDLED / "assignment.toml", root / "assignment.toml")
    result = grade_class(root, out=None, quick=True, jobs=1, cache_dir=tmp_path / "cache")
    assert result.meta["judged_by_seeds"] and not result.meta.get("reruns"), result.meta  # nothing was rerun
    return {s.id: s for s in result.students}


def _rows(student) -> dict:
    return {(c.check, c.subject): c for c in student.checks}


def _for_information(c) -> None:
    assert (c.status, c.points, c.max_points, c.pending) == ("skip", 0.0, 0.0, 0.0), c.message
    assert c.message.startswith("For information (no points at stake): not marked role = 'final'"), c.message


PLATEAU = 'schedule = { name = "ReduceLROnPlateau", mode = "min", factor = 0.1, patience = 3 }\n'
ADAM = '[[run]]\nname = "adam"\noptimizer = "adam"\nlr = 0.0011\nepochs = 30\n' + _claims("adam-constant")
MULTISTEP = 'schedule = { name = "multistep", milestones = [15, 25], gamma = 0.1 }\n'


def test_a_refused_final_run_takes_its_baseline_points_with_it_not_to_a_control(tmp_path):
    """M4. Each student stands by a multistep run (role = "final") beside a constant control at the pick — a committed
    config, "met by construction": the control inherited the final run's baseline points (PASS, as s22's did). The
    final run's baseline is refused with it now (lost; pending where the grader cannot rerun it as written), and the
    control stays for information, whatever refused the final run: a field the file refuses (set apart), a length
    outside the assignment's (the plan refuses it), or a scheduler the grader does not rerun (its limit). Where both
    are refused, the final run stands, not the control written first."""
    control, unknown = _run("ctl", role="control"), MULTISTEP.replace("multistep", "no-such-scheduler")
    students = _grade(tmp_path, {
        "apart": _run("final", unknown, "final", ref="sgd-multistep") + control,
        "length": _run("final", MULTISTEP, "final", epochs=31, ref="sgd-multistep") + control,
        "limit": _run("final", PLATEAU, "final", ref="sgd-multistep") + control,
        # both SGD runs refused, the control first; an Adam run beside them (the section is handed in)
        "both": _run("ctl", role="control", epochs=31) + _run("final", unknown, "final", ref="sgd-multistep") + ADAM,
        "none": _run("final", MULTISTEP, epochs=31, ref="sgd-multistep") + _run("ctl"),  # no roles: as before
    })  # fmt: skip
    for sid in ("apart", "length", "limit"):
        rows = _rows(students[sid])
        assert rows[("config", "final")].status == ("skip" if sid == "limit" else "fail")
        _for_information(rows[("baseline", "ctl")])
        assert "final: marked final and refused by the config check" in rows[("baseline", "ctl")].message
        final = rows[("baseline", "final")]
        assert "(marked role = 'final': the run this check judges)" in final.message, final.message
        if sid == "limit":  # the grader's limit, not a fault: pending review, neither earned nor lost
            assert (final.status, final.points, final.pending, final.why) == ("skip", 0.0, 2.0, "unsupported")
        else:
            assert (final.status, final.points, final.max_points) == ("fail", 0.0, 2.0), final.message
    # one run lost to the config check costs the same whichever refused it: 1 config point and 5 of the final run's
    lost = {sid: round(students[sid].possible - students[sid].total - students[sid].pending, 6)
            for sid in ("apart", "length")}  # fmt: skip
    assert lost["apart"] == lost["length"] > 0, lost
    both = _rows(students["both"])
    assert {c for c, s in both if s == "ctl"} == {"config", "accuracy_claim", "loss_claim"}  # its own claims only
    assert both[("baseline", "final")].status == "fail" and both[("baseline", "final")].max_points == 2.0
    # no roles (the refused run unmarked): the accepted run is the optimizer's best, judged as before
    none = _rows(students["none"])
    assert none[("baseline", "ctl")].status == "pass" and none[("baseline", "ctl")].points == 2.0
    assert ("baseline", "final") not in none


def test_runs_level_at_the_quick_epoch_are_ranked_the_same_whatever_order_they_are_written_in(tmp_path):
    """L2. A constant and a step schedule at one LR are the same run until the step (epoch 10): at a quick grade's
    epoch 3 they are level, and the run written first was judged. The tie is broken by name now: both orders give
    one grade, row for row. So with both refused (no accepted SGD run): the one whose baseline is charged was the
    first written."""
    constant, step = _run("sgd-constant"), _run("sgd-step", 'schedule = { name = "step", step_size = 10 }\n',
                                                ref="sgd-step")  # fmt: skip
    long = [r.replace("epochs = 30", "epochs = 31") for r in (constant, step)]
    students = _grade(
        tmp_path,
        {
            "written": constant + step,
            "reordered": step + constant,
            "refused": long[0] + long[1] + ADAM,
            "refused-reordered": long[1] + long[0] + ADAM,
        },
    )
    assert RUNS["sgd-constant"]["epochs"][2] == RUNS["sgd-step"]["epochs"][2]  # level at epoch 3
    grades = {sid: sorted((c.check, c.subject, c.status, c.points, c.max_points, c.pending) for c in s.checks)
              for sid, s in students.items()}  # fmt: skip
    assert grades["written"] == grades["reordered"]
    assert grades["refused"] == grades["refused-reordered"]
    refused = _rows(students["refused-reordered"])
    assert refused[("baseline", "sgd-constant")].status == "fail" and ("baseline", "sgd-step") not in refused
    for sid in ("written", "reordered"):
        rows = _rows(students[sid])
        assert rows[("baseline", "sgd-constant")].max_points == 2.0, rows[("baseline", "sgd-constant")].message
        said = rows[("baseline", "sgd-step")].message
        assert said.startswith("For information (no points at stake): not this submission's best sgd run: sgd-constant")
