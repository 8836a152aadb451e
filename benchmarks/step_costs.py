"""Two choices inside the reference loop, timed on CPU; last line: `ratio: X` (step with torch's tanh ÷ ours).

1. A LeNet5 training step (batch 128, forward + backward + SGD) with torch's `nn.Tanh` vs LeNet5's `Tanh`
   (2σ(2x) − 1 with torch's tanh backward), interleaved, best of 7.
2. One test pass over mnist-5k's 1,000 test images in batches of 1,000 vs 500 (reference.loop.evaluate).
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from tabulate import tabulate
from torch import nn

from reference.data import load_data
from reference.loop import evaluate
from reference.models import LeNet5


def lenet(torch_tanh: bool) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = LeNet5()
    if torch_tanh:
        for seq in (model.features, model.classifier):
            for i, layer in enumerate(seq):
                if type(layer).__name__ == "Tanh":
                    seq[i] = nn.Tanh()
    return model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def main() -> None:
    data = load_data("mnist-5k", torch.device("cpu"))
    stream = data.train.index_stream(128, torch.Generator().manual_seed(0))
    batches = [(data.train.x[i], data.train.y[i]) for i in (next(stream) for _ in range(31))]
    setups = {"training step, torch nn.Tanh": lenet(True), "training step, LeNet5 Tanh (2σ(2x) − 1)": lenet(False)}

    def steps(model, opt) -> None:
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    best = dict.fromkeys(setups, float("inf"))
    for model, opt in setups.values():
        steps(model, opt)  # warm-up
    for _ in range(7):  # interleaved, so background load hits both alike
        for name, (model, opt) in setups.items():
            start = time.perf_counter()
            steps(model, opt)
            best[name] = min(best[name], (time.perf_counter() - start) / len(batches) * 1e3)
    rows = [[name, ms] for name, ms in best.items()]
    model = LeNet5()
    for batch in (1000, 500):
        evaluate(model, data.test, batch)
        times = []
        for _ in range(7):
            start = time.perf_counter()
            evaluate(model, data.test, batch)
            times.append((time.perf_counter() - start) * 1e3)
        rows.append([f"test pass, batch {batch}", min(times)])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU capability "
          f"{torch.backends.cpu.get_cpu_capability()}; best of 7")  # fmt: skip
    print(tabulate(rows, headers=["operation", "ms"], floatfmt=("", ".2f")))
    print(f"ratio: {rows[0][1] / rows[1][1]:.2f}")


if __name__ == "__main__":
    main()
