#!/usr/bin/env bash
# Runs one benchmark (or all of them) against a private, durable PostgreSQL:
#   bench/run.sh write-overhead | tenant-restore | restore-interference | vs-pgbackrest | job-scaling | environment-size | restore-all | token-check | incident-room | communication | support-matching | support-burst | all   [--quick]
# Builds in Release first. Results go to bench/results/<name>.json (quick runs: bench/work/results).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh <write-overhead|tenant-restore|restore-interference|vs-pgbackrest|job-scaling|environment-size|restore-all|token-check|incident-room|communication|support-matching|support-burst|all> [--quick]" >&2
  exit 2
fi
bash scripts/setup.sh pgbackrest periods postfix nginx wrk
dotnet build bench/Lifeboat.Bench/Lifeboat.Bench.csproj -c Release --nologo -v quiet
exec dotnet bench/Lifeboat.Bench/bin/Release/net10.0/Lifeboat.Bench.dll "$@"
