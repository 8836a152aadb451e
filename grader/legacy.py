"""Read students' legacy ColossalAI-style `config.py` files as data (parsed with `ast`, never executed),
and map their values onto the grader's run-config fields."""

from __future__ import annotations

import ast
import copy
import operator
from pathlib import Path

LEGACY_FIELDS: dict[str, str] = {
    "BATCH_SIZE": "batch_size",
    "NUM_EPOCHS": "epochs",
    "LEARNING_RATE": "lr",
    "LR": "lr",
    "OPTIMIZER": "optimizer",
    "MOMENTUM": "momentum",
    "WEIGHT_DECAY": "weight_decay",
    "SEED": "seed",
    "seed": "seed",
}

MAX_SOURCE_CHARS = 1_000_000
MAX_ELEMENTS = 10_000  # expanded size (elements, string characters) of any built container or string
MAX_EXPONENT = 100
MAX_INT_BITS = 4096
AMP_TYPES = {"TORCH": "torch", "APEX": "apex", "NAIVE": "naive"}  # colossalai.amp.AMP_TYPE members
TORCH_NAMES = {f"torch.optim.{n}" for n in ("SGD", "Adam", "AdamW")} | {
    f"torch.optim.lr_scheduler.{n}" for n in ("MultiStepLR", "StepLR", "ExponentialLR", "OneCycleLR", "CyclicLR",
                                               "CosineAnnealingLR", "LinearLR", "LambdaLR", "ConstantLR")
}  # fmt: skip

# Readable names for refused statements and expressions (others use their ast class name).
_KINDS = {"If": "an if statement", "For": "a for loop", "While": "a while loop", "With": "a with block",
          "Try": "a try block", "FunctionDef": "a function definition", "ClassDef": "a class definition",
          "AugAssign": "an augmented assignment", "AnnAssign": "an annotation without a value",
          "Delete": "a del statement", "Lambda": "a lambda", "ListComp": "a comprehension",
          "SetComp": "a comprehension", "DictComp": "a comprehension", "GeneratorExp": "a generator expression",
          "JoinedStr": "an f-string", "NamedExpr": "a walrus (:=)", "Starred": "a starred expression",
          "Subscript": "a subscript", "Compare": "a comparison"}  # fmt: skip
_ARITH = {ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
          ast.Div: ("/", operator.truediv), ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
          ast.Pow: ("**", operator.pow)}  # fmt: skip
_NUMBER = (int, float)
_SEQ = (str, list, tuple)


class LegacyConfigError(ValueError):
    """A legacy config the reader cannot evaluate; the message names the file and line."""

    def __init__(self, filename: str, lineno: int | None, detail: str) -> None:
        self.filename, self.lineno, self.detail = filename, lineno, detail
        super().__init__(f"{filename} line {lineno if lineno is not None else '?'}: {detail}")


def read_legacy_config(path: str | Path) -> dict[str, object]:
    """Top-level assignments NAME = <expr> → {NAME: value}. Raises LegacyConfigError on anything it cannot evaluate."""
    data = Path(path).read_bytes()
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LegacyConfigError(str(path), data.count(b"\n", 0, e.start) + 1, "file is not UTF-8 text") from None
    return parse_legacy_config(source, str(path))


def parse_legacy_config(source: str, filename: str = "config.py") -> dict[str, object]:
    """`read_legacy_config` for source text already in hand."""
    if len(source) > MAX_SOURCE_CHARS:
        raise LegacyConfigError(filename, 1, f"file is larger than {MAX_SOURCE_CHARS:,} characters")
    try:
        tree = ast.parse(source, filename=filename)  # parsing only: nothing in the file is ever run
    except SyntaxError as e:
        raise LegacyConfigError(filename, e.lineno, f"syntax error: {e.msg}") from None
    except (RecursionError, MemoryError):  # the parser gives up on absurd nesting
        raise LegacyConfigError(filename, None, "cannot parse the file: expressions nested too deeply") from None
    except ValueError as e:  # null bytes (Python < 3.12)
        raise LegacyConfigError(filename, None, f"cannot parse the file: {e}") from None
    reader = _Reader(filename)
    for stmt in tree.body:
        try:
            reader.statement(stmt)
        except RecursionError:
            raise reader.fail(stmt, "expression is nested too deeply") from None
    return reader.values


class _Reader:
    """Evaluates module-level statements into `values`, refusing anything that is not plain data."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.values: dict[str, object] = {}

    def fail(self, node: ast.AST, detail: str) -> LegacyConfigError:
        return LegacyConfigError(self.filename, getattr(node, "lineno", None), detail)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            return  # imports are skipped, never performed
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # docstring
        if isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value)
            for target in stmt.targets:
                self.bind(target, copy.deepcopy(value))
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
            self.values[stmt.target.id] = self.eval(stmt.value)
        elif isinstance(stmt, ast.Expr):
            raise self.fail(stmt, f"unexpected expression statement {_snippet(stmt.value)} (only NAME = value)")
        else:
            kind = _KINDS.get(type(stmt).__name__, f"a {type(stmt).__name__} statement")
            raise self.fail(stmt, f"cannot evaluate {kind} (only NAME = value assignments and imports are allowed)")

    def bind(self, target: ast.expr, value: object) -> None:
        if isinstance(target, ast.Name):
            self.values[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(t, ast.Starred) for t in target.elts):
            if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
                raise self.fail(target, f"cannot unpack into {_snippet(target)}: not a sequence of that length")
            for t, v in zip(target.elts, value, strict=True):
                self.bind(t, v)
        else:
            raise self.fail(target, f"cannot assign to {_snippet(target)} (only plain names)")

    def eval(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, (bool, int, float, str)):
                return node.value
            raise self.fail(node, f"unsupported constant {_snippet(node)}")
        if isinstance(node, ast.Name):
            if node.id not in self.values:
                raise self.fail(node, f"unknown name {node.id!r} (only names assigned earlier in the file)")
            return copy.deepcopy(self.values[node.id])
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            kind = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
            return self.build(node, kind, [self.eval(e) for e in node.elts])
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise self.fail(node, "cannot evaluate ** unpacking in a dict display")
            pairs = [(self.eval(k), self.eval(v)) for k, v in zip(node.keys, node.values, strict=True)]
            return self.build(node, dict, pairs)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not operand
            if isinstance(node.op, (ast.UAdd, ast.USub)) and isinstance(operand, _NUMBER):
                return -operand if isinstance(node.op, ast.USub) else +operand
            raise self.fail(node, f"cannot evaluate {_snippet(node)} (unary +/- apply to numbers only)")
        if isinstance(node, ast.BinOp):
            return self.binop(node, self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            dotted = _snippet(node)
            if node.attr in AMP_TYPES and dotted in (f"AMP_TYPE.{node.attr}", f"colossalai.amp.AMP_TYPE.{node.attr}"):
                return AMP_TYPES[node.attr]
            if dotted in TORCH_NAMES:  # `dict(type=torch.optim.SGD, ...)`: the class's name, as data
                return node.attr
            raise self.fail(node, f"cannot evaluate attribute access {dotted} (only AMP_TYPE.* and torch.optim names)")
        kind = _KINDS.get(type(node).__name__, f"a {type(node).__name__} expression")
        raise self.fail(node, f"cannot evaluate {kind}: {_snippet(node)}")

    def build(self, node: ast.expr, kind: type, items: list) -> object:
        try:
            return self.sized(node, kind(items))
        except TypeError as e:  # unhashable set member or dict key
            raise self.fail(node, f"cannot build {_snippet(node)}: {e}") from None

    def sized(self, node: ast.expr, value: object) -> object:
        if _size(value) > MAX_ELEMENTS:
            raise self.fail(node, f"{_snippet(node)} is too large (over {MAX_ELEMENTS:,} elements)")
        return value

    def call(self, node: ast.Call) -> object:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name == "dict" and not node.args and all(kw.arg is not None for kw in node.keywords):
            return self.sized(node, {kw.arg: self.eval(kw.value) for kw in node.keywords})
        if name in ("list", "tuple") and not node.keywords and len(node.args) <= 1:
            items = self.eval(node.args[0]) if node.args else ()
            if not isinstance(items, (list, tuple, set)):
                raise self.fail(node, f"{name}(...) needs a list, tuple or set, got {type(items).__name__}")
            return list(items) if name == "list" else tuple(items)
        if name == "dict":
            raise self.fail(node, "dict(...) takes keyword arguments only (NAME=value)")
        allowed = "only dict(...), list(...), tuple(...) are allowed"
        raise self.fail(node, f"cannot evaluate a call to {_snippet(node.func)} ({allowed})")

    def binop(self, node: ast.BinOp, a: object, b: object) -> object:
        op, fn = _ARITH.get(type(node.op), ("", None))
        if fn is None:
            raise self.fail(node, f"cannot evaluate the operator in {_snippet(node)} (only + - * / // % **)")
        if isinstance(a, _NUMBER) and isinstance(b, _NUMBER):
            if op == "**" and abs(b) > MAX_EXPONENT:
                raise self.fail(node, f"exponent {b} in {_snippet(node)} is too large (|exponent| <= {MAX_EXPONENT})")
            if op == "**" and isinstance(a, int) and isinstance(b, int) and abs(a).bit_length() * b > MAX_INT_BITS:
                raise self.fail(node, f"{_snippet(node)} is too large")
            try:
                result = fn(a, b)
            except (ArithmeticError, ValueError) as e:  # division by zero, float overflow
                raise self.fail(node, f"cannot evaluate {_snippet(node)}: {e}") from None
            if isinstance(result, complex) or (isinstance(result, int) and result.bit_length() > MAX_INT_BITS):
                raise self.fail(node, f"{_snippet(node)} does not give a usable number")
            return result
        if op == "+" and isinstance(a, _SEQ) and type(a) is type(b):
            return self.sized(node, a + b)
        if op == "*" and (isinstance(a, _SEQ) and isinstance(b, int) or isinstance(b, _SEQ) and isinstance(a, int)):
            seq, n = (a, b) if isinstance(a, _SEQ) else (b, a)
            if _size(seq) * max(n, 0) > MAX_ELEMENTS:  # refuse before building it
                raise self.fail(node, f"{_snippet(node)} is too large (over {MAX_ELEMENTS:,} elements)")
            return seq * n
        raise self.fail(node, f"cannot apply {op} to {type(a).__name__} and {type(b).__name__}")


def _size(value: object, limit: int = MAX_ELEMENTS) -> int:
    """Expanded size: 1 per element (a string: its length), shared items counted each time; stops past limit."""
    total, stack = 0, [value]
    while stack and total <= limit:
        v = stack.pop()
        total += max(len(v), 1) if isinstance(v, str) else 1
        if isinstance(v, dict):
            stack.extend([*v.keys(), *v.values()])
        elif isinstance(v, (list, tuple, set)):
            stack.extend(v)
    return total


def _snippet(node: ast.AST, width: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except (RecursionError, ValueError):
        text = type(node).__name__
    return text if len(text) <= width else text[: width - 3] + "..."


_SCHEDULERS: dict[str, str | None] = {
    "MultiStepLR": "multistep", "StepLR": "step", "ExponentialLR": "exponential", "OneCycleLR": "onecycle",
    "CyclicLR": "cyclic", "CosineAnnealingLR": "cosine", "LinearLR": "linear-decay", "ConstantLR": "constant",
    "LambdaLR": None,  # its lambda is code: cannot be honoured
}  # fmt: skip
_SCHEDULE_ARGS = ("milestones", "gamma", "step_size", "max_lr", "pct_start", "div_factor", "final_div_factor",
                  "base_lr", "step_size_up", "step_size_down", "mode", "eta_min", "end_factor")  # fmt: skip
_NOT_RERUN = {  # docs/submission.md and docs/colossalai.md: no engine honours these (colossalai included)
    "fp16": "mixed precision is not re-run: every engine (colossalai included) reruns in fp32",
    "clip_grad_norm": "gradient clipping is not re-run: no engine (colossalai included) clips gradients",
    "gradient_accumulation": "gradients are not accumulated: every batch of BATCH_SIZE is one optimizer step, "
    "on every engine",
    "parallel": "pipeline/tensor parallelism is not re-run: reruns are data parallel at most (--engine colossalai)",
    "zero": "ZeRO sharding is not re-run: every process keeps the full optimizer state",
}
_COLOSSAL_KEYS = ("gradient_handler", "model", "optimizer", "loss", "data", "cudnn_benchmark", "cudnn_deterministic")


def legacy_to_run_fields(values: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """Map legacy values to run-config fields, with one warning per field that cannot be honoured."""
    fields: dict[str, object] = {}
    origin: dict[str, str] = {}  # run field -> the legacy name it came from
    warnings: list[str] = []
    for name, value in values.items():
        if name in LEGACY_FIELDS:
            field = LEGACY_FIELDS[name]
            value = value.lower() if field == "optimizer" and isinstance(value, str) else value
            if field not in fields:
                fields[field], origin[field] = value, name
            elif fields[field] != value:
                warnings.append(f"{name} = {value!r} conflicts with {origin[field]}; {origin[field]} is used")
        elif name in _NOT_RERUN:
            if not _no_op(name, value):
                warnings.append(f"{name}: {_NOT_RERUN[name]}")
        elif name in ("LR_SCHEDULER", "lr_scheduler"):
            if "schedule" in fields:
                warnings.append(f"{name}: a second LR scheduler is ignored")
            elif (schedule := _schedule(name, value, warnings)) is not None:
                fields["schedule"] = schedule
        elif name == "optimizer" and isinstance(value, dict) and isinstance(value.get("type"), str):
            for key, field in (("type", "optimizer"), ("lr", "lr"), ("momentum", "momentum"),
                               ("weight_decay", "weight_decay"), ("nesterov", "nesterov")):  # fmt: skip
                if key in value:
                    fields.setdefault(field, value[key].lower() if key == "type" else value[key])
        elif name in _COLOSSAL_KEYS:
            warnings.append(f"{name}: this ColossalAI setting is not used by the grader")
        elif name.isupper():
            warnings.append(f"{name}: not a field the grader knows; ignored")
    return fields, warnings


def _no_op(name: str, value: object) -> bool:
    """Settings that change nothing (clipping off, no accumulation, one device) need no warning."""
    if value is None or (name, value) in (("clip_grad_norm", 0), ("gradient_accumulation", 1)):
        return True
    if name == "parallel" and isinstance(value, dict) and set(value) <= {"pipeline", "tensor"}:
        tensor = value.get("tensor")
        size = tensor.get("size") if isinstance(tensor, dict) else tensor
        return value.get("pipeline") in (None, 1) and size in (None, 1)
    return False


def _schedule(name: str, value: object, warnings: list[str]) -> dict[str, object] | None:
    kind = value.get("type") if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(kind, str) or kind not in _SCHEDULERS:
        warnings.append(f"{name}: scheduler {kind!r} is not supported; the run keeps a constant LR")
        return None
    if _SCHEDULERS[kind] is None:
        warnings.append(f"{name}: {kind} cannot be honoured (its lambda is code); the run keeps a constant LR")
        return None
    if "T_max" in value:
        warnings.append(f"{name}: T_max is dropped; cosine annealing spans the whole run")
    if kind == "ConstantLR":
        warnings.append(f"{name}: ConstantLR's reduced-LR phase (factor, total_iters) is not re-run; LR stays at lr")
    handled = {"type", "T_max", *_SCHEDULE_ARGS, *(("factor", "total_iters") if kind == "ConstantLR" else ())}
    if dropped := sorted(k for k in value if k not in handled):
        warnings.append(f"{name}: argument(s) {', '.join(dropped)} dropped; the grader derives them from the run")
    return {"name": _SCHEDULERS[kind], **{k: v for k, v in value.items() if k in _SCHEDULE_ARGS}}
