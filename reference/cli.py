"""`reference` command line: range-test, train, baselines, verify, compare-schedulers. Bad input → exit 2;
a run that cannot finish (time limit, a failed torchrun job) → one line, exit 1."""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from types import UnionType
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import ValidationError

from reference.config import (
    Activation,
    Cadence,
    Model,
    Pooling,
    RunConfig,
    ScheduleConfig,
    SweepShape,
    range_test_config,
    staircase_rises,
)  # fmt: skip
from reference.datasets import DATASETS, DataUnavailable, advice, steps_per_epoch
from reference.engines import CHOICES as ENGINES
from reference.optimizers import OPTIMIZERS
from reference.protocols import COMPARISONS, PROTOCOLS
from reference.schedules import FACTOR_LISTS, SCHEDULES

# Run commands and their one-line help. Parsing needs only the tables (no torch): `reference --help` starts in well
# under a second; what a command does is in reference/commands.py, imported once one runs.
RUN_COMMANDS = {
    "range-test": "sweep the LR and suggest one by every rule",
    "train": "train with an optimizer and an LR schedule",
}


class UsageError(Exception):
    """Reported as one line and exit status 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none (None) or it is a flag's off state."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def describe(err: ValidationError) -> str:
    """A pydantic error as one line naming the field(s)."""
    parts = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "config"
        parts.append(f"{field}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip())


def _factor_list(text: str) -> tuple[float, ...]:
    """Auto schedulers: "3", "5", "7" (seed 004's lists) or comma-separated factors."""

    return FACTOR_LISTS[int(text)] if text.strip() in ("3", "5", "7") else tuple(float(v) for v in text.split(","))


def _run(field: str) -> object:
    """RunConfig's default for a run field: the CLI's default too."""
    return RunConfig.model_fields[field].default


def _run_args(p: argparse.ArgumentParser) -> None:

    p.add_argument("--dataset", default=_run("dataset"), help=f"one of {', '.join(DATASETS)}")
    p.add_argument("--data-root", help="folder with the dataset's files (mnist: DIR/MNIST/raw/*-ubyte or the four "
                   "IDX files in DIR itself, plain or .gz; fashion-mnist: its IDX files; cifar10: torchvision's "
                   "layout)")  # fmt: skip
    p.add_argument("--download", action="store_true", help="let torchvision download mnist/cifar10")
    p.add_argument("--model", default=_run("model"), choices=get_args(Model), help="architecture")
    p.add_argument("--activation", default=_run("activation"), choices=get_args(Activation), help="LeNet5's activation")
    p.add_argument("--pooling", default=_run("pooling"), choices=get_args(Pooling), help="LeNet5's pooling")
    p.add_argument("--optimizer", default=_run("optimizer"),
                   help="; ".join(f"{n}: torch.optim.{o.torch}" for n, o in OPTIMIZERS.items()))  # fmt: skip
    p.add_argument("--momentum", type=float, default=_run("momentum"), help="SGD momentum")
    p.add_argument("--nesterov", action="store_true", help="SGD with Nesterov momentum")
    p.add_argument("--weight-decay", type=float, default=None, help="default: torch's (AdamW 0.01, else 0)")
    p.add_argument("--batch-size", type=int, default=_run("batch_size"), help="training batch size")
    p.add_argument("--seed", type=int, default=_run("seed"), help="seeds the initial weights and the data order")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: cuda if available")
    p.add_argument("--out", type=Path, default=Path("runs"), help="folder for the result JSON, CSVs, events, plot")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (faster on long runs)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads. 1 by default: processes that each use every core (grade's workers, "
                        "other jobs on a shared machine) slow each other down many-fold. Results record the count; "
                        "a different count can change the last bits of a curve")  # fmt: skip
    p.add_argument("--engine", default="auto", choices=ENGINES,
                   help="batched (stacked runs; --seeds K batch together), sequential, colossalai (torchrun +\n"
                        "Booster); auto = batched on CUDA, sequential on CPU")  # fmt: skip
    p.add_argument("--nproc", type=int, default=2, help="torchrun processes for --engine colossalai")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _range_test_args(rt: argparse.ArgumentParser) -> None:
    _run_args(rt)
    default = {k: v.default for k, v in inspect.signature(range_test_config).parameters.items()}
    rt.add_argument("--start-lr", type=float, default=default["start_lr"], help="LR at the first step")
    rt.add_argument("--end-lr", type=float, default=default["end_lr"], help="LR at the last step")
    rt.add_argument("--shape", default=default["shape"], choices=get_args(SweepShape),
                    help="how the LR grows between them")  # fmt: skip
    rt.add_argument("--gamma", type=float, help="staircase: the LR's factor at each stair (> 1)")
    rt.add_argument("--stair-steps", type=int, help="staircase: optimizer steps of each stair (StepLR)")
    rt.add_argument("--milestones", type=_ints, help="staircase: steps at which the LR grows, comma-separated "
                    "(MultiStepLR)")  # fmt: skip
    rt.add_argument("--epochs", type=int, default=default["epochs"],
                    help="length of the sweep in passes over the training set")  # fmt: skip
    rt.add_argument("--steps", type=int, help="sweep over this many steps instead of --epochs")
    rt.add_argument("--eval-every", type=int, help="steps between test evaluations (default: each epoch)")
    rt.add_argument("--diverge-factor", type=float, default=default["diverge_factor"],
                    help="stop when smoothed loss > this × best")  # fmt: skip
    rt.add_argument("--seeds", type=int, default=1, help="K seeds from --seed on; report each rule's spread")


def _train_args(tr: argparse.ArgumentParser) -> None:

    _run_args(tr)
    tr.add_argument("--lr", type=float, required=True, help="initial LR (a schedule scales it)")
    tr.add_argument("--epochs", type=int, default=_run("epochs"), help="passes over the training set")
    tr.add_argument("--scheduler", default=ScheduleConfig.model_fields["name"].default,
                    help=f"one of {', '.join(SCHEDULES)}")  # fmt: skip
    tr.add_argument("--cadence", choices=get_args(Cadence), help="when the scheduler steps (default: per table)")
    for field, info in ScheduleConfig.model_fields.items():  # every scheduler argument, from the config
        if field not in ("name", "cadence", "table"):  # `table` comes from legacy configs, not the command line
            tr.add_argument(f"--{field.replace('_', '-')}", help=_schedule_arg_help(field, SCHEDULES),
                            **_flag_type(field, info.annotation))  # fmt: skip


def _flag_type(field: str, annotation: object) -> dict:
    """argparse's type (and choices) for a ScheduleConfig field, read off its annotation."""
    if field == "factors":
        return {"type": _factor_list}
    if get_origin(annotation) in (Union, UnionType):  # X | None
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    while get_origin(annotation) is Annotated:  # PositiveInt and friends
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        return {"choices": get_args(annotation)}
    if get_origin(annotation) is tuple:
        return {"type": _ints}
    if annotation is bool:  # a switch: --cycle-momentum (torch's default for OneCycleLR/CyclicLR)
        return {"action": "store_const", "const": True}
    return {"type": annotation}


def _schedule_arg_help(field: str, schedules: dict) -> str:
    """Which schedulers read `field` (from the table), and the config's default for it."""
    users = [n for n, s in schedules.items() if field in s.args or field in s.required]
    text = f"for {', '.join(users)}" + (": 3, 5, 7 (seed 004's lists) or factors" if field == "factors" else "")
    default = ScheduleConfig.model_fields[field].default
    return text if default is None else f"{text} (default: {_num(default)})"


def _num(v: object) -> str:
    """3 significant digits for floats (0.112, 1, 1e-06); anything else as is."""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _common(a: argparse.Namespace) -> dict:

    if a.optimizer not in OPTIMIZERS:
        raise UsageError(f"unknown optimizer {a.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    if a.dataset not in DATASETS:
        raise UsageError(f"unknown dataset {a.dataset!r}; choose from {', '.join(DATASETS)}")
    return dict(dataset=a.dataset, model=a.model, activation=a.activation, pooling=a.pooling,
                optimizer=a.optimizer, momentum=a.momentum, nesterov=a.nesterov, weight_decay=a.weight_decay,
                batch_size=a.batch_size, seed=a.seed)  # fmt: skip


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; given `command`, only that run command gets its arguments (the others stay listed)."""
    from functools import partial

    top = argparse.ArgumentParser(prog="reference", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True,
                             parser_class=partial(argparse.ArgumentParser, formatter_class=HelpFormatter))  # fmt: skip
    for name, add in (("range-test", _range_test_args), ("train", _train_args)):
        p = sub.add_parser(name, help=RUN_COMMANDS[name], description=RUN_COMMANDS[name])
        if command is None or command == name:
            add(p)

    _baselines_args(sub)
    _compare_args(sub)
    return top


def train_config(a: argparse.Namespace) -> RunConfig:

    if a.scheduler not in SCHEDULES:
        raise UsageError(f"unknown scheduler {a.scheduler!r}; choose from {', '.join(SCHEDULES)}")
    sched = {k: getattr(a, k) for k in ScheduleConfig.model_fields if k not in ("name",) and hasattr(a, k)}
    sched = {k: v for k, v in sched.items() if v is not None}
    return RunConfig(lr=a.lr, epochs=a.epochs, schedule=ScheduleConfig(name=a.scheduler, **sched), **_common(a))


def run_configs(a: argparse.Namespace) -> list[RunConfig]:
    """`range-test` (one config per seed) or `train`: the configs a run command asks for."""
    if a.command == "train":
        return [train_config(a)]
    common, end, stairs = _common(a), a.end_lr, {}
    if a.shape == "staircase":  # its end LR, shown in reports, is where gamma and its stairs take it
        if not (a.gamma and a.gamma > 1) or (a.stair_steps is None) == (a.milestones is None):
            raise UsageError("--shape staircase needs --gamma > 1 and one of --stair-steps, --milestones")
        stairs = {"gamma": a.gamma, "stair_steps": a.stair_steps, "milestones": a.milestones}
        steps = a.steps or a.epochs * steps_per_epoch(a.dataset, a.batch_size)
        end = a.start_lr * a.gamma ** staircase_rises(a.stair_steps, stairs["milestones"], steps)
    return [range_test_config(start_lr=a.start_lr, end_lr=end, shape=a.shape, epochs=a.epochs, steps=a.steps,
                              diverge_factor=a.diverge_factor, eval_every=a.eval_every, **stairs,
                              **{**common, "seed": s})
            for s in range(a.seed, a.seed + max(a.seeds, 1))]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv[0] if argv else "").parse_args(argv)
    try:
        if args.command in RUN_COMMANDS:
            args.configs = run_configs(args)  # bad values are usage errors, before torch is imported
        from reference import commands  # torch: imported once a command runs, not for `reference --help`

        return commands.COMMANDS[args.command](args)
    except UsageError as err:
        print(f"reference: error: {err}", file=sys.stderr)
    except ValidationError as err:
        print(f"reference: error: {describe(err)}", file=sys.stderr)
    except DataUnavailable as err:  # what to do, once, for what was given
        name = args.dataset if isinstance(getattr(args, "dataset", None), str) else None
        tip = advice(err, name, getattr(args, "data_root", None), getattr(args, "download", False))
        print(f"reference: error: {err}{tip}", file=sys.stderr)
    except ValueError as err:
        print(f"reference: error: {err}", file=sys.stderr)
    except RuntimeError as err:  # a run that could not finish (time limit, a failed torchrun job): one line, exit 1
        print(f"reference: error: {str(err).splitlines()[0] if str(err) else type(err).__name__}", file=sys.stderr)
        return 1
    return 2


def _baselines_args(sub) -> None:
    b = sub.add_parser("baselines", help="run the reference protocol and write reference/baselines/DATASET.json")
    b.add_argument("--dataset", default="mnist-5k", choices=list(PROTOCOLS), help="the protocol's dataset")
    b.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: cuda if present")
    b.add_argument("--out", type=Path, help="default: reference/baselines/DATASET[-cuda].json")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.add_argument("--jobs", type=int, default=1, help="runs on this many processes, one torch thread each")
    b.add_argument("--data-root", help="the dataset's folder (mnist: torchvision's layout, DIR/MNIST/raw)")
    b.add_argument("--seeds", type=int, help="seeds 0…N−1 (default: the protocol's, 20)")
    b.add_argument(
        "--engine",
        default="sequential",
        choices=["sequential", "batched"],
        help="batched: a protocol's runs of one length trained together (for GPUs)",
    )
    b.add_argument("--raw", type=Path, help="also save every run's curves here (.npz), for --from-raw")
    b.add_argument("--grid", action="store_true", help="also constant-LR runs at quarter-decade LRs around the picks")
    b.add_argument("--from-raw", type=Path, help="no runs: summarise a --raw file of an earlier build")
    v = sub.add_parser("verify", help="rerun committed baselines; exit 1 if any result is out of tolerance")
    v.add_argument("--dataset", action="append", choices=list(PROTOCOLS), help="default: every committed one")
    v.add_argument("--quick", action="store_true", help="seed 0 only, a short prefix of each training run")
    v.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: cuda if present")
    v.add_argument("--quiet", action="store_true", help="no progress bars")
    v.add_argument("--data-root", help="the dataset's folder (mnist: torchvision's layout, DIR/MNIST/raw)")


def _compare_args(sub) -> None:
    c = sub.add_parser("compare-schedulers", help="tuned baselines vs seed 004's auto scheduler and its correction")
    c.add_argument("--dataset", default="mnist-5k", choices=list(COMPARISONS), help="the protocol's dataset")
    c.add_argument("--quick", action="store_true", help="1 epoch, 1 seed, 2 η0 each (CI); writes to --out-dir")
    c.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: cuda if present")
    c.add_argument("--out-dir", type=Path, default=None, help="default: reference/baselines (full), runs/ (quick)")


if __name__ == "__main__":
    sys.exit(main())
