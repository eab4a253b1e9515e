#!/bin/sh
# Regenerates every fusion and shift figure in docs/fusion.md and docs/quality.md from the shipped
# models (single-threaded; about 5 minutes on the 2-core dev box). Run from the repository root.
set -e
DENO="${DENO:-./node_modules/.bin/deno}"
PY="${PYTHON:-/usr/bin/python3}"
"$DENO" run -A training/fusion/collect_face.ts
"$DENO" run -A training/fusion/collect_text.ts
"$PY" training/fusion/voice_oof.py --seeds 3
"$DENO" run -A training/fusion/fit_fusion.ts
"$DENO" run -A training/fusion/shift_eval.ts
"$DENO" run -A training/fusion/quality_report.ts
