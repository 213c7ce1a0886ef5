#!/usr/bin/env bash
# make bench-cli: the wall time of `bdg-rpc status` and `bdg-rpc peek` with
# 10,000 stored events, and of `bdg-rpc eval 1+1` end to end, beside
# `node -e 0` (the floor of any Node-based CLI), measured side by side in
# one hyperfine run.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/ensure-tools.sh chromium hyperfine
BIN=$PWD/bin/bdg-rpc
export BDG_HOME=$(mktemp -d /tmp/bdg-bench.XXXXXX)
trap '"$BIN" stop --session bench >/dev/null 2>&1 || true; rm -rf "$BDG_HOME"' EXIT

"$BIN" start 'data:text/html,<title>bench</title>' --session bench --headless >/dev/null
"$BIN" cdp --session bench Runtime.evaluate \
  '{"expression":"for (let i = 0; i < 10000; i++) console.log(\"message\", i, {i})"}' >/dev/null
for _ in $(seq 600); do
  n=$("$BIN" status --session bench --json | sed -n 's/.*"counts":{"network":[0-9]*,"console":\([0-9]*\)}.*/\1/p')
  [ "${n:-0}" -ge 10000 ] && break
  sleep 0.1
done
echo "session 'bench' holds $n console messages"

cmds=("$BIN status --session bench" "$BIN peek --session bench" "$BIN peek --session bench --json --last 100" "$BIN eval --session bench 1+1")
if command -v node >/dev/null; then cmds+=("node -e 0"); fi
out=$(mktemp /tmp/bdg-bench-cli.XXXXXX.json)
hyperfine -N --warmup 10 --runs 200 --export-json "$out" "${cmds[@]}" >/dev/null 2>&1
# One row per command: the median (the machines are shared; means suffer
# from outliers), the mean and the 90th percentile, in ms.
echo "| command | median ms | mean ms | p90 ms | median vs node -e 0 |"
echo "|---|---|---|---|---|"
# mawk has no sort: number the samples per command, sort them with sort(1),
# then read the medians off.
awk -v bin="$BIN" '
  /"command":/ { sub(/.*"command": "/, ""); sub(/",?$/, ""); gsub(bin, "bdg-rpc"); n++; print "C\t" n "\t" $0 }
  /"times": \[/ { intimes = 1; next }
  intimes && /\]/ { intimes = 0; next }
  intimes { v = $0; gsub(/[ ,]/, "", v); print "T\t" n "\t" v * 1000 }
' "$out" | sort -t "$(printf '\t')" -k1,1 -k2,2n -k3,3g | awk -F '\t' '
  $1 == "C" { cmd[$2] = $3; next }
  { c[$2]++; v[$2, c[$2]] = $3; sum[$2] += $3; if ($2 > n) n = $2 }
  END {
    for (i = 1; i <= n; i++) {
      med[i] = v[i, int((c[i] + 1) / 2)]
      if (cmd[i] == "node -e 0") floor = med[i]
    }
    for (i = 1; i <= n; i++) {
      rel = floor ? sprintf("%.3fx", med[i] / floor) : "-"
      printf "| `%s` | %.1f | %.1f | %.1f | %s |\n", cmd[i], med[i], sum[i] / c[i], v[i, int(c[i] * 0.9)], rel
    }
  }'
rm -f "$out"
