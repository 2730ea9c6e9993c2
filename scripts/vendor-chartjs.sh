#!/usr/bin/env bash
# Refreshes the chart library the drill report embeds, from the npm registry. The report page
# carries it inline, so nothing is fetched when the page is viewed; this runs only when upgrading.
set -euo pipefail
version="${1:-4.6.1}"
cd "$(dirname "$0")/../src/Lifeboat.Drill/Report/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "chart.js@$version" >/dev/null && tar xzf chart.js-*.tgz)
cp "$work/package/dist/chart.umd.min.js" chart.umd.min.js
cp "$work/package/LICENSE.md" chart.js.LICENSE.md
sha256sum chart.umd.min.js | cut -d' ' -f1 > chart.umd.min.js.sha256
echo "vendored chart.js $version ($(cat chart.umd.min.js.sha256))"
