#!/bin/sh
# Regenerates every fusion and shift figure in docs/fusion.md and docs/quality.md from the shipped
# models (single-threaded; about 20 minutes on the shared 2-core dev box, most of it the voice
# packet-loss features). Needs the voice feature cache (deno task features) and the face feature
# cache (deno task extract-faces). Run from the repository root.
set -e
DENO="${DENO:-./node_modules/.bin/deno}"
PY="${PYTHON:-/usr/bin/python3}"
"$DENO" run -A training/fusion/collect_face.ts
"$DENO" run -A training/fusion/collect_text.ts
"$DENO" run -A training/fusion/voice_drops.ts
"$DENO" run -A training/fusion/voice_extent.ts
"$PY" training/fusion/voice_oof.py --seeds 3
"$DENO" run -A training/fusion/fit_fusion.ts
"$DENO" run -A training/fusion/shift_eval.ts
"$DENO" run -A training/fusion/quality_report.ts
