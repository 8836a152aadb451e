"""Named course templates: the defaults a submission starts from, so a file states only what the student chose.

A preset fills what a submission leaves out and never overrides what it says. `cs5260` is the course's
ColossalAI template (seed reports 000–003): LeNet5 (tanh, average pooling) on MNIST at batch 128, inputs
`Resize(32)` + `ToTensor()` without normalisation, SGD with momentum 0.9 and weight decay 5e-4, a 10-epoch
range test sweeping 1e-6 → 1 exponentially per iteration, and every scheduler stepped per iteration (the
template's `LRSchedulerHook(by_epoch=False)`). The template's LeNet5 ends its convolutions with a 16→120
convolution over the 5×5 map: the same function as our `Linear(400, 120)` on the flattened map.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    setup: dict = field(default_factory=dict)  # [setup] defaults
    sgd: dict = field(default_factory=dict)  # defaults of every SGD entry
    range_test: dict = field(default_factory=dict)  # defaults of every [[range_test]]
    cadence: str | None = None  # how a [[run]]'s scheduler is stepped when the file does not say
    summary: str = ""


PRESETS: dict[str, Preset] = {
    "cs5260": Preset(
        setup={
            "model": "lenet5",
            "activation": "tanh",
            "pooling": "avg",
            "batch_size": 128,
            "preprocess": "resize",
            "claimed_on": "mnist",
        },  # fmt: skip
        sgd={"momentum": 0.9, "weight_decay": 5e-4},
        range_test={"start_lr": 1e-6, "end_lr": 1.0, "shape": "exp", "epochs": 10},
        cadence="step",
        summary="CS5260's ColossalAI template: LeNet5 tanh/avg, MNIST, batch 128, Resize(32)+ToTensor, SGD momentum "
        "0.9 wd 5e-4, sweep 1e-6→1 per iteration over 10 epochs, schedulers stepped per iteration",
    ),
}


def preset_of(data: dict, default: str | None) -> Preset | None:
    """The preset `data` (a parsed submission.toml) names in `[setup] preset`, else `default` (the assignment's);
    None for an unknown name or a shape the schema would refuse."""
    setup = data.get("setup")
    name = setup.get("preset") if isinstance(setup, dict) and "preset" in setup else default
    return PRESETS[name] if isinstance(name, str) and name in PRESETS else None


def apply_preset(data: dict, default: str | None) -> dict:
    """`data` (a parsed submission.toml) with the defaults of its `[setup] preset`, else of `default` (the
    assignment's), filled in where the file is silent. Shapes the schema would refuse, and an unknown preset name,
    are left as they are, for validation to report."""
    preset = preset_of(data, default)
    if preset is None:
        return data
    out = dict(data)
    setup = out.get("setup", {})
    if isinstance(setup, dict):
        out["setup"] = {**preset.setup, **setup}
    for part in ("range_test", "run", "auto"):
        entries = out.get(part)
        if isinstance(entries, list):
            out[part] = [_entry(e, part, preset) if isinstance(e, dict) else e for e in entries]
    return out


def _entry(entry: dict, part: str, preset: Preset) -> dict:
    filled = dict(entry)
    if filled.get("optimizer") == "sgd":
        filled = {**preset.sgd, **filled}
    if part == "range_test":  # a staircase's end follows from its gamma and stairs: not the preset's sweep's end
        staircase = filled.get("shape") == "staircase"
        filled = {**{k: v for k, v in preset.range_test.items() if not (staircase and k == "end_lr")}, **filled}
    schedule = filled.get("schedule")
    if part == "run" and preset.cadence and isinstance(schedule, dict) and "cadence" not in schedule:
        filled["schedule"] = {**schedule, "cadence": preset.cadence}
    return filled
