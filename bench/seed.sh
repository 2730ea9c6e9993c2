#!/usr/bin/env bash
# Seeds sample sites (1,000 of the default size unless told otherwise) into a fresh private
# PostgreSQL under /tmp, with the Release build, and records the figure in bench/results/seeding.json.
#
#   bench/seed.sh                       # 1,000 default sites, each written by one import
#   bench/seed.sh 200 small             # sites, size
#   bench/seed.sh 1000 small --compare  # the same sites one call at a time and by import, side by side
#
# --compare seeds four times, each in a fresh server: one call at a time, import, import, one call at
# a time (so drift of a shared machine falls on both), and writes bench/results/seeding-compare.json
# with both rates and their ratio.
#
# The server is the one `lifeboat` starts for itself (durable: every commit reaches the disk); it is
# stopped at the end and its home removed (LIFEBOAT_BENCH_KEEP=1 keeps it for a look).
set -euo pipefail
cd "$(dirname "$0")/.."
sites="${1:-1000}"
size="${2:-default}"
mode="${3:-}"
if [[ -n "$mode" && "$mode" != "--compare" ]]; then
  echo "usage: bench/seed.sh [sites] [size] [--compare]" >&2
  exit 2
fi
unset LIFEBOAT_CONNECTION LIFEBOAT_BLOBS
lifeboat() { dotnet run -c Release --no-build --project src/Lifeboat.Cli -- "$@"; }

home=""
finish() {
  if [[ -n "$home" ]]; then
    LIFEBOAT_HOME="$home" lifeboat db stop >/dev/null 2>&1 || true
    if [[ "${LIFEBOAT_BENCH_KEEP:-}" == "1" ]]; then echo "kept $home"; else rm -rf "$home"; fi
    home=""
  fi
}
trap finish EXIT

# Seeds once into a fresh home and leaves the summary, with the machine and the load around it, in $1.
seed_once() {
  local out="$1"
  shift
  home="$(mktemp -d /tmp/lifeboat-seed-bench.XXXXXX)"
  chmod 755 "$home" # run as root, the server runs as the postgres user, which must enter the home
  export LIFEBOAT_HOME="$home"
  lifeboat db start # outside the measured time: creating the server is not seeding
  local load_before load_after postgres_bin
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  lifeboat sample seed --sites "$sites" --size "$size" --json "$home/summary.json" "$@"
  load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
  postgres_bin="$(jq -r .BinDirectory "$home/postgres/instance.json")"
  jq --arg nproc "$(nproc)" \
     --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
     --arg memory "$(free -b | awk '/^Mem:/ { printf "%.1f GiB", $2 / 1024 / 1024 / 1024 }')" \
     --arg postgres "$("$postgres_bin/postgres" --version)" \
     --arg dotnet "$(dotnet --version)" \
     --arg load_before "$load_before" --arg load_after "$load_after" \
     --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
     --arg command "bench/seed.sh $sites $size${mode:+ $mode}" \
     '. + { command: $command, date: $date,
            machine: { nproc: ($nproc | tonumber), cpu: $cpu, memory: $memory, postgresql: $postgres, dotnet: $dotnet,
                       load_average_before: $load_before, load_average_after: $load_after } }' \
     "$home/summary.json" > "$out"
  finish
}

dotnet build -c Release src/Lifeboat.Cli -nologo -v q
if [[ -z "$mode" ]]; then
  seed_once bench/results/seeding.json
  cat bench/results/seeding.json
  exit 0
fi

work=bench/work/seeding-compare
rm -rf "$work"
mkdir -p "$work"
seed_once "$work/1-one-call-at-a-time.json" --one-call-at-a-time
seed_once "$work/2-import.json"
seed_once "$work/3-import.json"
seed_once "$work/4-one-call-at-a-time.json" --one-call-at-a-time
# Both ways seeded the same sites twice: a rate is all their sites over all their seconds.
jq -s '
  def rate(w): [.[] | select(.writes == w)] | (map(.sites) | add) / (map(.seconds) | add);
  { command: .[0].command, date: .[0].date, machine: (.[0].machine | del(.load_average_before, .load_average_after)),
    sites: .[0].sites, size: .[0].size,
    one_call_at_a_time_sites_per_s: (rate("one-call-at-a-time") * 100 | round / 100),
    import_sites_per_s: (rate("import") * 100 | round / 100),
    speedup: ((rate("import") / rate("one-call-at-a-time")) * 100 | round / 100),
    runs: map({ writes, seconds, sites_per_s, records, load_average_before: .machine.load_average_before, load_average_after: .machine.load_average_after }) }' \
  "$work"/1-*.json "$work"/2-*.json "$work"/3-*.json "$work"/4-*.json > bench/results/seeding-compare.json
cat bench/results/seeding-compare.json
