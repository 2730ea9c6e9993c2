#!/usr/bin/env bash
# Mass restore: 883 sites of the sample's default size deleted, then restored (every store) and
# validated, while 117 other sites keep writing. It is the drill with nothing halting the deletion:
#
#   bench/mass-restore.sh                 # 883 deleted + 117 writing = 1,000 sites
#   bench/mass-restore.sh 200 30          # sites deleted, sites writing
#
# Figures in bench/results/mass-restore.json (`seconds`: the restore job, from its start to the last
# site validated); the drill's report and its HTML page in bench/work/mass-restore/.
set -euo pipefail
cd "$(dirname "$0")/.."
sites="${1:-883}"
others="${2:-117}"
status=0
bash bench/drill.sh mass-restore --sites "$sites" --bystanders "$others" --no-halt --pace-ms 0 || status=$?
result=bench/results/mass-restore.json
jq '. + { goal: { text: "every deleted site restored and validated in under 5 minutes, with the other sites writing throughout and none of their writes lost",
                  met: (.passed and .seconds < 300) } }' "$result" > "$result.tmp"
mv "$result.tmp" "$result"
jq -r '"mass-restore: goal \(if .goal.met then "MET" else "NOT MET" end): \(.sites) sites restored and validated in \(.seconds | floor) s, \(.lost_writes) writes lost"' "$result"
exit "$status"
