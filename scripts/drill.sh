#!/usr/bin/env bash
# Lifeboat's main job on its embedded default: the April 2022 outage replayed end to end, measured — the damage, the
# incident, the customers told and helped, the restore, the retrospective.
# Installs PostgreSQL when it is missing and the local mail server the customers are reached through (postfix on
# 127.0.0.1; where it cannot be set up, the drill starts Debian's smtp-sink instead, and says which it used).
# Lifeboat starts a private server of its own.
# Options go to `lifeboat drill` (--sites N, --size small|default|large, --no-halt, --report-dir DIR, --runbooks DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! bash scripts/setup.sh postfix; then
  echo "drill: the local mail server could not be set up; the drill looks for smtp-sink instead" >&2
  bash scripts/setup.sh
fi
# The incident's checklist comes from the checkout's runbooks unless LIFEBOAT_RUNBOOKS names others.
LIFEBOAT_RUNBOOKS="${LIFEBOAT_RUNBOOKS:-$PWD/runbooks}" dotnet run -c Release --project src/Lifeboat.Cli -- drill "$@"
