#!/usr/bin/env bash
# Seeds sample sites (1,000 of the default size unless told otherwise) into a fresh private
# PostgreSQL under /tmp, with the Release build, and records the figure in bench/results/seeding.json.
#
#   bench/seed.sh                 # 1,000 default sites
#   bench/seed.sh 200 small       # sites, size
#
# The server is the one `lifeboat` starts for itself (durable: every commit reaches the disk); it is
# stopped at the end and its home removed (LIFEBOAT_BENCH_KEEP=1 keeps it for a look).
set -euo pipefail
cd "$(dirname "$0")/.."
sites="${1:-1000}"
size="${2:-default}"

home="$(mktemp -d /tmp/lifeboat-seed-bench.XXXXXX)"
chmod 755 "$home" # run as root, the server runs as the postgres user, which must enter the home
export LIFEBOAT_HOME="$home"
unset LIFEBOAT_CONNECTION LIFEBOAT_BLOBS

lifeboat() { dotnet run -c Release --no-build --project src/Lifeboat.Cli -- "$@"; }
finish() {
  lifeboat db stop >/dev/null 2>&1 || true
  if [[ "${LIFEBOAT_BENCH_KEEP:-}" == "1" ]]; then echo "kept $home"; else rm -rf "$home"; fi
}
trap finish EXIT

dotnet build -c Release src/Lifeboat.Cli -nologo -v q
lifeboat db start # outside the measured time: creating the server is not seeding
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
lifeboat sample seed --sites "$sites" --size "$size" --json "$home/summary.json"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

postgres_bin="$(jq -r .BinDirectory "$home/postgres/instance.json")"
jq --arg nproc "$(nproc)" \
   --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
   --arg memory "$(free -b | awk '/^Mem:/ { printf "%.1f GiB", $2 / 1024 / 1024 / 1024 }')" \
   --arg postgres "$("$postgres_bin/postgres" --version)" \
   --arg dotnet "$(dotnet --version)" \
   --arg load_before "$load_before" --arg load_after "$load_after" \
   --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
   '. + { command: "bench/seed.sh", date: $date,
          machine: { nproc: ($nproc | tonumber), cpu: $cpu, memory: $memory, postgresql: $postgres, dotnet: $dotnet,
                     load_average_before: $load_before, load_average_after: $load_after } }' \
   "$home/summary.json" > bench/results/seeding.json
cat bench/results/seeding.json
