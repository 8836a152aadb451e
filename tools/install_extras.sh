#!/usr/bin/env bash
# Optional extras: the ColossalAI engine (`--engine colossalai`) and the Ray fan-out (`grade --ray`).
#
# Installs into the active Python environment (activate your venv first; $PYTHON overrides `python`).
# Idempotent: a second run only checks. ColossalAI 0.5.0 pins an older torch in its metadata, so it goes in
# with --no-deps and its runtime dependencies are listed here by hand; torch is never touched. The script
# fails loudly if torch's version changed all the same.
#
#   tools/install_extras.sh            # both extras
#   tools/install_extras.sh colossalai # only ColossalAI
#   tools/install_extras.sh ray        # only Ray
set -euo pipefail
export PIP_DISABLE_PIP_VERSION_CHECK=1
PY="${PYTHON:-python}"
WHAT="${1:-all}"
case "$WHAT" in
  all|colossalai|ray) ;;
  *) echo "install_extras: unknown extra '$WHAT' (all, colossalai, ray)" >&2; exit 2;;
esac

torch_version() { "$PY" -c 'import torch; print(torch.__version__)'; }
BEFORE="$(torch_version)" \
  || { echo "install_extras: torch is not importable; install the package first (pip install -e .)" >&2; exit 1; }

have() { "$PY" - "$@" <<'PYEOF'
import importlib.metadata as md, sys
name, want = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
try:
    got = md.version(name)
except md.PackageNotFoundError:
    sys.exit(1)
sys.exit(0 if want is None or got == want else 1)
PYEOF
}

if [ "$WHAT" != ray ]; then
  if have colossalai 0.5.0 && have galore_torch && have contexttimer && have einops && have peft && have transformers \
    && have bitsandbytes; then
    echo "install_extras: colossalai 0.5.0 already installed"
  else
    echo "install_extras: installing colossalai 0.5.0 (--no-deps) and its runtime dependencies"
    echo "install_extras: (pip's 'colossalai 0.5.0 requires ...' conflict lines are expected: its pins are skipped)"
    "$PY" -m pip install -q --no-deps colossalai==0.5.0
    "$PY" -m pip install -q numpy tqdm psutil packaging rich click contexttimer einops pydantic safetensors \
      "peft<=0.13.2" transformers==4.51.3 bitsandbytes
    "$PY" -m pip install -q --no-deps galore_torch
  fi
fi

if [ "$WHAT" != colossalai ]; then
  if have ray && have psutil; then
    echo "install_extras: ray already installed"
  else
    echo "install_extras: installing ray"
    "$PY" -m pip install -q ray psutil
  fi
fi

AFTER="$(torch_version)"
if [ "$AFTER" != "$BEFORE" ]; then
  echo "install_extras: FAILED: torch changed from $BEFORE to $AFTER; reinstall torch==$BEFORE" >&2
  exit 1
fi
echo "install_extras: done (torch $AFTER unchanged)"
