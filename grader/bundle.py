"""Autograder bundles (issue 22): the class's grader packaged for the platforms students already submit to.

`build_gradescope` writes the zip Gradescope's "Configure Autograder" takes (setup.sh, run_autograder, the
assignment and the package's wheel); `build_prairielearn` a folder to build PrairieLearn's external-grading image
from. Both run `grade autograde <platform>` (grader/autograde.py) on the platform, and their scripts always leave a
results.json, the grader's or one that says the grader failed. `run_bundle` runs a bundle here the way its platform
does (its own script, the platform's folder layout, a time limit, optionally pinned to some CPUs) and measures it;
`validate_results` checks a results.json against the platform's format (templates/bundle/schemas/).

The scripts are Jinja templates in templates/bundle/, rendered here; nothing in a bundle is fetched at build time
except what pip needs to build the wheel from this checkout (no network: --no-build-isolation).
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from grader import safe
from grader.load import ASSIGNMENT_FILE, load_assignment
from reference.datasets import DATASETS, DataUnavailable, advice, check, data_files

PLATFORMS = ("gradescope", "prairielearn")
REPO = Path(__file__).resolve().parents[1]  # the checkout a wheel is built from
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
GRADESCOPE_SOURCE = "/autograder/source"
GRADESCOPE_VENV = "/autograder/venv"
PRAIRIELEARN_TIMEOUT_S = 600  # externalGradingOptions.timeout: PrairieLearn's maximum
MARGIN_S = 30  # the grader stops itself this much before the platform's timeout ([autograder] timeout_s), to write
# its own "timed out" results
PRAIRIELEARN_ASSIGNMENT = "/lr-grader/assignment.toml"
PRAIRIELEARN_DATA = "/lr-grader/data"  # beside it: where autograde looks for a bundled dataset
PRAIRIELEARN_IMAGE = "YOUR_DOCKERHUB/lr-grader"
PRAIRIELEARN_MAX_BYTES = 1_000_000  # PrairieLearn's limit on results.json
_EXECUTABLE = 0o755
DATA_DIR = "data"  # beside the bundle's assignment.toml: the dataset's files, where it is not embedded
DATA_CAP = 64 * 1024 * 1024  # bytes of (gzipped) data files a bundle carries: MNIST's are 11 MB, Fashion-MNIST's 30 MB
_PRAIRIELEARN_FILES = ("Dockerfile", "run.sh", "README.md", "externalGradingOptions.json", ASSIGNMENT_FILE, DATA_DIR)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same inputs give the same zip entries


def templates_dir() -> Path:
    """templates/ in a checkout (also under `pip install -e`), else the installed wheel's copy."""
    if (REPO / "pyproject.toml").is_file():
        return REPO / "templates"
    spec = importlib.util.find_spec("lr_grader_templates")  # a namespace package: templates/ has no __init__.py
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("lr-grader's templates are missing: neither a checkout's templates/ nor the installed "
                           "package lr_grader_templates (reinstall lr-grader)")  # fmt: skip
    return Path(next(iter(spec.submodule_search_locations)))


def _render(template: str, **values: object) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir() / "bundle"), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)  # fmt: skip
    return env.get_template(template).render(**values)


def _assignment(class_dir: Path) -> Path:
    """class_dir/assignment.toml, checked as the grader will read it; one ValueError line when missing or invalid."""
    path = Path(class_dir) / ASSIGNMENT_FILE
    if not path.is_file():
        raise ValueError(f"no {ASSIGNMENT_FILE} in {class_dir}: a bundle grades one assignment; write its "
                         f"{ASSIGNMENT_FILE} there (docs/submission.md)")  # fmt: skip
    load_assignment(Path(class_dir))  # InputError (a ValueError): one line naming the field and the fix
    return path


def _torch_pins() -> tuple[str, str, str]:
    """("torch==X torchvision==Y", X, Y) for this machine's torch, without local tags (+cu130); unpinned when a
    version is not a plain release (a nightly, a source build)."""
    import torch
    import torchvision

    versions = [v.split("+", 1)[0] for v in (torch.__version__, torchvision.__version__)]
    if all(re.fullmatch(r"\d+(\.\d+){1,2}", v) for v in versions):
        return f"torch=={versions[0]} torchvision=={versions[1]}", *versions
    return "torch torchvision", *versions


def build_wheel(dest: Path, repo: Path = REPO) -> Path:
    """The package's wheel (lr_grader-<version>-py3-none-any.whl) in `dest`, built from a copy of the checkout's
    sources (the repository itself gets no build/ or egg-info from it; files not yet committed are included)."""
    if not (repo / "pyproject.toml").is_file():
        raise ValueError(f"no pyproject.toml in {repo}: a bundle's wheel is built from a checkout of lr-grader")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    with tempfile.TemporaryDirectory(prefix="lr-grader-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(repo / name, src / name)
        for name in ("grader", "reference", "templates"):
            shutil.copytree(repo / name, src / name, ignore=ignore)
        built = Path(tmp) / "wheel"
        cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(built)]
        # offline with this environment's setuptools first; where it has none recent enough (a fresh venv of an older
        # Python), pip's own isolated build, which fetches setuptools from the package index
        done = subprocess.run([*cmd, "--no-build-isolation", "--no-index"], capture_output=True, text=True, timeout=600)
        if done.returncode:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheels = sorted(built.glob("lr_grader-*-py3-none-any.whl"))
        if done.returncode or len(wheels) != 1:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise RuntimeError(f"building the lr-grader wheel failed (exit {done.returncode}): {tail}")
        target = dest / wheels[0].name
        shutil.copy2(wheels[0], target)
        return target


def bundle_data(class_dir: Path, data_root: Path | str | None) -> list[tuple[str, bytes]]:
    """The files of the assignment's dataset a bundle ships, as (path under the bundle's data/ folder, gzipped bytes):
    none for embedded data (mnist-5k). The platforms have no copy and no network, so a bundle without them would
    fail every upload. One ValueError line where the files are not found under `data_root` (else the dataset's
    default place), are not the dataset the table states (reference.datasets.check), or are over DATA_CAP."""
    name = load_assignment(Path(class_dir)).dataset
    spec = DATASETS[name]
    what = f"the assignment's dataset, {name}, is not embedded in lr-grader: the bundle must carry its files"
    try:
        found = data_files(name, data_root)
        if found is None:
            return []
        check(name, spec.read(Path(data_root) if data_root else None, False))  # the files as the grader reads them
    except DataUnavailable as err:
        how = "" if data_root else "; give --data-root DIR with them"
        raise ValueError(f"{what}, and {err}{advice(err, name, data_root, True) if data_root else how}") from None
    out = []
    for path in found[1]:
        blob = path.read_bytes()
        gz = blob if blob[:2] == b"\x1f\x8b" else gzip.compress(blob, compresslevel=6, mtime=0)
        stem = path.name.removesuffix(".gz")
        out.append((f"{spec.folder}/{stem}.gz" if spec.folder else f"{stem}.gz", gz))
    size = sum(len(b) for _, b in out)
    if size > DATA_CAP:
        raise ValueError(f"{what}, and its files in {found[0]} are {size / 2**20:.0f} MiB gzipped, over the "
                         f"bundle's {DATA_CAP / 2**20:.0f} MiB limit: grade {name} uploads with `grade` on a machine "
                         "that has the data instead")  # fmt: skip
    return out


def _version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def _values(class_dir: Path, wheel: Path) -> dict:
    pins, torch_version, torchvision_version = _torch_pins()
    return {"version": _version(wheel), "wheel": wheel.name, "torch_index": TORCH_INDEX, "torch_pins": pins,
            "torch": torch_version, "torchvision": torchvision_version}  # fmt: skip


def build_gradescope(class_dir: Path, out: Path, *, wheel: Path | None = None,
                     data_root: Path | str | None = None) -> Path:  # fmt: skip
    """The Gradescope autograder zip for the assignment in `class_dir` at `out`: setup.sh, run_autograder
    (executable), assignment.toml and the package's wheel, all at the zip's root, and the dataset's files under
    data/ where it is not embedded (`bundle_data`, from `data_root`). `wheel`: one already built (`build_wheel`),
    else one is built from this checkout."""
    assignment = _assignment(class_dir)
    data = bundle_data(class_dir, data_root)  # before the wheel: a missing dataset is one line, at once
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lr-grader-bundle-") as tmp:
        wheel = Path(wheel) if wheel else build_wheel(Path(tmp))
        values = {**_values(class_dir, wheel), "source": GRADESCOPE_SOURCE, "venv": GRADESCOPE_VENV,
                  "limit_s": _limit(class_dir, None)}  # fmt: skip
        partial = Path(tmp) / "bundle.zip"  # written whole, then moved: `out` is never a half-written zip
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
            _add(z, "setup.sh", _render("setup.sh.j2", **values).encode(), _EXECUTABLE)
            _add(z, "run_autograder", _render("run_autograder.j2", **values).encode(), _EXECUTABLE)
            _add(z, ASSIGNMENT_FILE, assignment.read_bytes(), 0o644)
            _add(z, wheel.name, wheel.read_bytes(), 0o644, zipfile.ZIP_STORED)  # a wheel is a zip already
            for rel, blob in data:
                _add(z, f"{DATA_DIR}/{rel}", blob, 0o644, zipfile.ZIP_STORED)  # gzipped already
        shutil.move(partial, out)
    return out


def _timeout(class_dir: Path, cap: int | None) -> int:
    """The platform's timeout the class's assignment.toml states ([autograder] timeout_s), within `cap`."""
    timeout = int(load_assignment(Path(class_dir)).autograder.timeout_s)
    return min(timeout, cap) if cap else timeout


def _limit(class_dir: Path, cap: int | None) -> int:
    """Where the bundle's script stops the grader: MARGIN_S before the platform's timeout."""
    return max(_timeout(class_dir, cap) - MARGIN_S, 1)


def _add(z: zipfile.ZipFile, name: str, data: bytes, mode: int, compress: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.external_attr = (stat.S_IFREG | mode) << 16  # Unix mode bits: unzip and Gradescope keep the executable bit
    info.create_system = 3  # Unix, so the mode bits are read
    info.compress_type = compress
    z.writestr(info, data)


def build_prairielearn(class_dir: Path, out: Path, *, wheel: Path | None = None,
                       data_root: Path | str | None = None) -> Path:  # fmt: skip
    """A folder `out` to build PrairieLearn's external-grading image from: Dockerfile, run.sh (the entrypoint),
    externalGradingOptions.json (for the question's info.json), assignment.toml, the wheel, the dataset's files in
    data/ where it is not embedded (`bundle_data`), and a README.md for the instructor. An existing `out` must be
    empty or a bundle written here before (its files are replaced)."""
    assignment = _assignment(class_dir)
    data = bundle_data(class_dir, data_root)
    out = Path(out)
    if out.exists() and any(not _bundle_file(p.name) for p in out.iterdir()):
        raise ValueError(f"{out} holds files other than a PrairieLearn bundle's: choose a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("lr_grader-*.whl"):
        old.unlink()
    if (out / DATA_DIR).is_dir() and not (out / DATA_DIR).is_symlink():
        shutil.rmtree(out / DATA_DIR)
    for rel, blob in data:
        (out / DATA_DIR / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / DATA_DIR / rel).write_bytes(blob)
    wheel = Path(wheel) if wheel else build_wheel(out)
    if wheel.parent.resolve() != out.resolve():
        shutil.copy2(wheel, out / wheel.name)
    name = _assignment_name(assignment)
    image = f"{PRAIRIELEARN_IMAGE}:{_version(wheel)}"
    timeout = _timeout(class_dir, PRAIRIELEARN_TIMEOUT_S)
    values = {**_values(class_dir, wheel), "assignment": PRAIRIELEARN_ASSIGNMENT, "image": image, "name": name,
              "limit_s": _limit(class_dir, PRAIRIELEARN_TIMEOUT_S), "timeout": timeout, "margin": MARGIN_S,
              "data": f"{PRAIRIELEARN_DATA}" if data else ""}  # fmt: skip
    (out / "Dockerfile").write_text(_render("Dockerfile.j2", **values))
    (out / "run.sh").write_text(_render("run.sh.j2", **values))
    (out / "run.sh").chmod(_EXECUTABLE)
    (out / "README.md").write_text(_render("README.md.j2", **values))
    shutil.copy2(assignment, out / ASSIGNMENT_FILE)
    options = {"enabled": True, "image": image, "entrypoint": "/lr-grader/run.sh", "timeout": timeout,
               "enableNetworking": False}  # fmt: skip
    (out / "externalGradingOptions.json").write_text(json.dumps(options, indent=2) + "\n")
    return out


def _bundle_file(name: str) -> bool:
    return name in _PRAIRIELEARN_FILES or re.fullmatch(r"lr_grader-[^/]+-py3-none-any\.whl", name) is not None


def _assignment_name(path: Path) -> str:
    """The assignment's title for the README: one line of Markdown-safe text."""
    try:
        return safe.markdown(safe.one_line(load_assignment(path.parent).name, 200)) or "assignment"
    except (ValueError, AttributeError):
        return "assignment"


# ------------------------------------------------------------------ running a bundle here


@dataclass
class BundleRun:
    """One run of a bundle on this machine (`run_bundle`)."""

    platform: str
    results: Path | None  # out/results.json; None when the bundle left none
    wall_s: float
    peak_rss_mb: float  # MiB: the peak over time of the summed VmRSS of the script and all its descendants
    returncode: int | None
    timed_out: bool
    log: Path | None = None  # out/log.txt: the script's stdout and stderr together
    notes: list[str] = field(default_factory=list)  # how this run differs from the platform's

    def summary(self) -> str:
        """One line for the terminal."""
        ended = "timed out" if self.timed_out else f"exit {self.returncode}"
        where = self.results or "no results.json"
        return (f"{self.platform} bundle: {ended} in {self.wall_s:.1f} s, peak RSS {self.peak_rss_mb:.0f} MiB "
                f"(whole process tree); {where}")  # fmt: skip


def detect_platform(bundle: Path) -> str:
    """ "gradescope" for a .zip, "prairielearn" for a folder with a Dockerfile; ValueError otherwise."""
    bundle = Path(bundle)
    if bundle.is_file() and zipfile.is_zipfile(bundle):
        return "gradescope"
    if bundle.is_dir() and (bundle / "Dockerfile").is_file() and (bundle / "run.sh").is_file():
        return "prairielearn"
    raise ValueError(f"{bundle} is not a bundle: expected a Gradescope .zip or a PrairieLearn folder with a "
                     "Dockerfile and run.sh (grader.bundle.build_gradescope / build_prairielearn)")  # fmt: skip


def run_bundle(bundle: Path, submission: Path, out: Path, *, cpus: str | None = None,
               timeout_s: float = 600) -> BundleRun:  # fmt: skip
    """Run `bundle` on `submission` (a folder, as the student uploaded it) the way its platform does: the platform's
    folders in a temporary root (Gradescope: source/ = the unzipped bundle, submission/, results/,
    submission_metadata.json; PrairieLearn: student/, data/data.json, results/), the bundle's own run_autograder or
    run.sh executed with the root in AUTOGRADER_ROOT or GRADE_ROOT, under `taskset -c cpus` when given, killed
    (with everything it started) after `timeout_s`. setup.sh and the Docker build are not run: this machine's Python
    (sys.executable) stands in for the platform's venv or image, and a fresh rerun cache for the fresh container.
    The results.json and the script's log are copied to `out`."""
    bundle, submission, out = Path(bundle), Path(submission), Path(out)
    platform = detect_platform(bundle)
    if not submission.is_dir():
        raise ValueError(f"no such submission folder: {submission}")
    out.mkdir(parents=True, exist_ok=True)
    notes = [f"setup.sh / the Docker image were not built: {sys.executable} (Python "
             f"{sys.version.split()[0]}) stands in for the platform's Python environment"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix=f"lr-{platform}-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "LR_GRADER_PYTHON": sys.executable, "LR_GRADER_CACHE": str(root / "cache")}
        (root / "results").mkdir()
        if platform == "gradescope":
            _unzip(bundle, root / "source")
            shutil.copytree(submission, root / "submission", symlinks=True)
            (root / "submission_metadata.json").write_text("{}\n")
            script = root / "source" / "run_autograder"
            env["AUTOGRADER_ROOT"] = str(root)
        else:
            shutil.copytree(submission, root / "student", symlinks=True)
            (root / "data").mkdir()
            (root / "data" / "data.json").write_text("{}\n")
            script = root / "lr-grader" / "run.sh"  # the image's copy: the bundle folder itself stays untouched
            script.parent.mkdir()
            shutil.copy2(bundle / "run.sh", script)
            script.chmod(_EXECUTABLE)
            env["GRADE_ROOT"] = str(root)
            env["LR_GRADER_ASSIGNMENT"] = str((bundle / ASSIGNMENT_FILE).resolve())
        cmd = [str(script)]
        if cpus:
            taskset = shutil.which("taskset")
            if taskset:
                cmd = [taskset, "-c", cpus, *cmd]
            else:
                notes.append(f"taskset not found: not pinned to CPUs {cpus}")
        log = out / "log.txt"
        with log.open("wb") as sink:
            returncode, wall, peak, timed_out = _supervise(cmd, root, env, sink, timeout_s)
        results = root / "results" / "results.json"
        kept = None
        if results.is_file():
            kept = out / "results.json"
            shutil.copyfile(results, kept)
        return BundleRun(platform, kept, round(wall, 2), round(peak, 1), returncode, timed_out, log, notes)


def _unzip(bundle: Path, dest: Path) -> None:
    """Extract `bundle` into `dest` as unzip does (keeping the Unix mode bits), refusing names outside it."""
    dest.mkdir(parents=True)
    with zipfile.ZipFile(bundle) as z:
        for info in z.infolist():
            target = (dest / info.filename).resolve()
            if not target.is_relative_to(dest.resolve()) or info.filename.startswith("/"):
                raise ValueError(f"{bundle}: entry {safe.one_line(info.filename, 80)!r} would land outside the bundle")
            z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                target.chmod(mode)


def _supervise(cmd: list[str], cwd: Path, env: dict, sink, timeout_s: float) -> tuple[int | None, float, float, bool]:
    """Run `cmd` in a session of its own; poll its process tree's RSS every 0.1 s; kill the tree at `timeout_s`.
    (returncode, wall seconds, peak RSS MiB, timed out)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    peak, timed_out = 0.0, False
    try:
        while proc.poll() is None:
            peak = max(peak, sum(_rss_kib(p) for p in _tree(proc.pid)) / 1024)
            if time.monotonic() - start > timeout_s:
                timed_out = True
                _kill(_tree(proc.pid))
                break
            time.sleep(0.1)
        returncode = proc.wait()
    finally:
        # whatever it left behind (a background worker) goes too: what is still in its session. Safe after the
        # script is reaped: Linux reuses no pid that still names a live session
        _kill([pid for pid, (_, sid) in _processes().items() if sid == proc.pid and pid != proc.pid])
    return returncode, time.monotonic() - start, peak, timed_out


def _processes() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, session id)} of every process, from /proc/<pid>/stat."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                text = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = text.rsplit(")", 1)[-1].split()  # after "pid (comm)": state ppid pgrp session ...
        if len(fields) > 3:
            found[int(entry.name)] = (int(fields[1]), int(fields[3]))
    return found


def _tree(root: int) -> list[int]:
    """`root` and its descendants, plus anything still in its session (a reparented orphan)."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children.get(pid, []))
    seen |= {pid for pid, (_, sid) in procs.items() if sid == root}
    return [p for p in seen if p in procs or p == root]


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _kill(pids: list[int]) -> None:
    for pid in pids:
        if pid != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ the platforms' results formats


def schema_path(platform: str) -> Path:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}: expected one of {', '.join(PLATFORMS)}")
    return templates_dir() / "bundle" / "schemas" / f"{platform}-results.schema.json"


def validate_results(platform: str, data: dict) -> list[str]:
    """What is wrong with `data` as the platform's results.json, one message per problem ([] when valid):
    the JSON Schema in templates/bundle/schemas/, and PrairieLearn's 1 MB limit."""
    try:
        import jsonschema
    except ImportError as err:  # a dev dependency (pyproject's [dev] extra); the bundles themselves never need it
        raise RuntimeError("validate_results needs the jsonschema package: pip install jsonschema") from err
    schema = json.loads(schema_path(platform).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    messages = [_message(platform, e) for e in errors]
    if platform == "prairielearn":
        size = len(json.dumps(data).encode())
        if size > PRAIRIELEARN_MAX_BYTES:
            messages.append(f"results.json is {size:,} bytes: PrairieLearn reads at most {PRAIRIELEARN_MAX_BYTES:,}")
    return messages


def _message(platform: str, e) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".") or "(top level)"
    if platform == "gradescope" and not e.absolute_path and e.validator == "anyOf":
        return "score: missing (required at the top level unless every test has a score)"
    if platform == "prairielearn" and not e.absolute_path and e.validator == "required" and "score" in e.message:
        return "score: missing (required unless gradable is false)"
    return f"{where}: {safe.one_line(e.message, 200)}"
