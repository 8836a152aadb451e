import math, statistics, json
from reference.config import RunConfig, range_test_config
from reference.loop import run
from reference.rules import RULES, spread_decades
from reference.data import load_data
import torch
data = load_data("mnist-5k", torch.device("cpu"))
out = {}
for opt, (lo, hi) in {"sgd": (1e-5, 10.0), "adam": (1e-6, 1.0), "adamw": (1e-6, 1.0)}.items():
    res = [run(range_test_config(start_lr=lo, end_lr=hi, epochs=10, optimizer=opt, seed=s), data=data, device="cpu") for s in range(5)]
    for rule in RULES:
        vals = [r["suggestions"][rule] for r in res]
        tops = [v[1] if isinstance(v, list) else v for v in vals]
        gm = math.exp(statistics.fmean(math.log(v) for v in tops))
        acc = None
        if rule != "range":
            t = run(RunConfig(optimizer=opt, lr=float(f"{gm:.3g}"), epochs=30, seed=0), data=data, device="cpu")
            acc = (t["final"]["test_accuracy"], t["final"]["test_loss"], t["diverged"] is not None)
        out[f"{opt} {rule}"] = dict(picks=[round(v,5) for v in tops], spread=round(spread_decades(tops),3), lr=gm, acc=acc)
        print(opt, rule, out[f"{opt} {rule}"], flush=True)
json.dump(out, open("/tmp/rules_exp.json","w"), indent=1)
