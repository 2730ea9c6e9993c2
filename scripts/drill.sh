#!/usr/bin/env bash
# Lifeboat's main job on its embedded default: the April 2022 outage replayed end to end, measured.
# Installs PostgreSQL when it is missing; Lifeboat starts a private server of its own.
# Options go to `lifeboat drill` (--sites N, --size small|default|large, --no-halt, --report-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dotnet run -c Release --project src/Lifeboat.Cli -- drill "$@"
