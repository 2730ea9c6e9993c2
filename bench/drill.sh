#!/usr/bin/env bash
# Runs `lifeboat drill` in a fresh private PostgreSQL under /tmp and keeps its figures:
#
#   bench/drill.sh NAME [drill options...]
#   bench/drill.sh drill                      # the default drill: April 2022, 883 sites, halted by the detector
#
# The drill's report (JSON, and an HTML page with the restore and latency charts) goes to
# bench/work/NAME/; its headline figures to bench/results/NAME.json. The server is stopped at the
# end and its home removed (LIFEBOAT_BENCH_KEEP=1 keeps it for a look). Exits with the drill's status.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bench/drill.sh NAME [drill options...]" >&2
  exit 2
fi
name="$1"
shift

home="$(mktemp -d "/tmp/lifeboat-$name.XXXXXX")"
chmod 755 "$home" # run as root, the server runs as the postgres user, which must enter the home
export LIFEBOAT_HOME="$home"
unset LIFEBOAT_CONNECTION LIFEBOAT_BLOBS
report_dir="bench/work/$name"

lifeboat() { dotnet run -c Release --no-build --project src/Lifeboat.Cli -- "$@"; }
finish() {
  lifeboat db stop >/dev/null 2>&1 || true
  if [[ "${LIFEBOAT_BENCH_KEEP:-}" == "1" ]]; then echo "kept $home"; else rm -rf "$home"; fi
}
trap finish EXIT

bash scripts/setup.sh
dotnet build -c Release src/Lifeboat.Cli -nologo -v q
mkdir -p "$report_dir" bench/results
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
status=0
lifeboat drill "$@" --report-dir "$report_dir" || status=$?
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

jq --arg name "$name" --arg command "bench/drill.sh $name $*" \
   --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
   --arg dotnet "$(dotnet --version)" \
   --arg load_before "$load_before" --arg load_after "$load_after" \
   --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
   '{ benchmark: $name, command: $command, date: $date, complete,
      passed: (.complete and .act1.refused and .lost_writes == 0 and .sites_failed_validation == 0 and .rpo_seconds == 0 and .sites_restored == .sites_affected),
      sites: .sites_affected,
      seconds: .act3.restore_seconds,
      lost_writes,
      sites_targeted: .parameters.sites,
      site_size: .parameters.size,
      halted: .act2.halted,
      detection_seconds,
      rto_seconds,
      rpo_seconds,
      sites_restored,
      sites_failed_validation,
      sites_per_second: .act3.sites_per_second,
      equal_to_before_the_damage: .act3.equal_to_before_the_damage,
      wrong_id_plan_refused: .act1.refused,
      restore_concurrency: .parameters.restore_concurrency,
      seeded: .seed,
      other_sites: { sites: .load.sites, writes: .load.writes, errors: .load.errors, lost_writes: .load.lost_writes,
                     p99_ms_before: .load.before.p99_ms, p99_ms_during_deletions: .load.damage.p99_ms,
                     p99_ms_during_restore: .load.during.p99_ms, p99_ms_after: .load.after.p99_ms },
      april2022,
      machine: (.machine + { cpu: $cpu, dotnet: $dotnet, load_average_before: $load_before, load_average_after: $load_after }) }' \
   "$report_dir/drill-report.json" > "bench/results/$name.json"
cat "bench/results/$name.json"
exit "$status"
