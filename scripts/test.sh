#!/usr/bin/env bash
# Runs every test of Lifeboat against real parts: a private PostgreSQL per test project, started
# by the tests themselves under /tmp/lifeboat-tests (or LIFEBOAT_TEST_CONNECTION, if set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh chromium axe postfix
dotnet test Lifeboat.slnx -c Release "$@"
