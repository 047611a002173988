#!/usr/bin/env bash
# Prints golive's numbers: the catalog migration benchmark, release binary size, cold start to first paint under Xvfb
# (process start → the first view painted, reported by the app itself), and peak RSS of the
# app with its WebKit helper processes while it shows the Connect view (and PSS, which
# counts shared library pages once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
echo "==> building the release app"
cargo build --release --quiet -p golive-app
bin=target/release/golive-app
runs=${RUNS:-5}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export GOLIVE_DATA_DIR="$data" GOLIVE_WRANGLER="$PWD/node_modules/.bin/wrangler"

size=$(stat -c %s "$bin")
echo "release binary: $bin $((size / 1024)) KiB ($size bytes)"

echo "==> cold start to first paint, $runs runs (first run after a page-cache drop when allowed)"
sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || echo "(page cache not dropped: not permitted here)"
paints=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  out=$(GOLIVE_BENCH_FIRST_PAINT=1 xvfb-run -a -s '-screen 0 1280x900x24' "$bin" 2>/dev/null | grep first-paint-ms || true)
  end=$(date +%s%N)
  ms=${out##* }
  [ -n "$ms" ] || { echo "run $i: the app did not report a first paint" >&2; exit 1; }
  paints+=("$ms")
  echo "run $i: first paint ${ms} ms after process start (launch to exit incl. Xvfb: $(( (end - start) / 1000000 )) ms)"
done
sorted=$(printf '%s\n' "${paints[@]}" | sort -n)
echo "first paint: min $(echo "$sorted" | head -1) ms, median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms, max $(echo "$sorted" | tail -1) ms"

echo "==> catalog migration: 200 products x 3 prices against the stand-in at 100 req/s"
cargo run --release --quiet -p golive --example catalog_bench

echo "==> peak RSS while showing the Connect view (app + WebKit processes, sampled every 50 ms for 6 s)"
xvfb-run -a -s '-screen 0 1280x900x24' python3 - "$bin" <<'PY'
import os, subprocess, sys, time
app = subprocess.Popen([sys.argv[1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def tree(root):
    pids, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        try:
            kids = open(f"/proc/{p}/task/{p}/children").read().split()
        except OSError:
            kids = []
        for k in map(int, kids):
            if k not in pids:
                pids.add(k); frontier.append(k)
    return pids
def field_kib(path, key):
    """A `Key:  123 kB` line of a /proc file, in KiB; 0 once the process is gone."""
    try:
        for line in open(path):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
rss_kib = lambda pid: field_kib(f"/proc/{pid}/status", "VmRSS")
pss_kib = lambda pid: field_kib(f"/proc/{pid}/smaps_rollup", "Pss")
hwm_kib = lambda pid: field_kib(f"/proc/{pid}/status", "VmHWM")
peak, peak_pss, end = 0, 0, time.time() + 6
while time.time() < end:
    pids = tree(app.pid)
    peak = max(peak, sum(rss_kib(p) for p in pids))
    peak_pss = max(peak_pss, sum(pss_kib(p) for p in pids))
    time.sleep(0.05)
main_hwm = hwm_kib(app.pid)
names = sorted(open(f"/proc/{p}/comm").read().strip() for p in tree(app.pid) if os.path.exists(f"/proc/{p}/comm"))
app.terminate(); app.wait(timeout=10)
print(f"peak RSS, app + helpers: {peak / 1024:.1f} MiB ({', '.join(names)}; shared pages counted in each)")
print(f"peak PSS, app + helpers: {peak_pss / 1024:.1f} MiB (shared pages split between them)")
print(f"peak RSS, app process alone (VmHWM): {main_hwm / 1024:.1f} MiB")
PY
