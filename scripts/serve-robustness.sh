#!/usr/bin/env bash
# Robustness run of `synapse serve` on a real model (CI runs it): malformed requests interleaved with valid
# ones (scripts/serve-abuse.py) while the serving version is switched back and forth, then a graceful shutdown.
#
# Usage: scripts/serve-robustness.sh [--count N] [--seed S] [--switches K] [--synapse PATH] [--keep] [--help]
#
#   --count N        requests of the abuse plan (default 2000; the issue's full run is 10000)
#   --seed S         seed of the plan (default 1: the same requests every run)
#   --switches K     serving-version switches (serve 1, then roll back to 2, ...) during the run (default 20)
#   --synapse PATH   the synapse binary (default .build/release/synapse, built when missing)
#   --keep           keep the temporary directory (model repository, logs) and print its path
#
# Steps: trains W6's MLP (1 epoch, seed 0) on Fashion-MNIST, lays the run out as versions 1 and 2 of the model
# `fashion` (the same weights, so every valid answer is checkable whichever version serves it), starts
# `synapse serve --admin` on a free loopback port with a 2 MiB body limit, runs the abuse plan with 3 MiB
# "huge" bodies and the server's pid (memory must stay flat) while `synapse models serve`/`rollback` switch
# versions, then sends SIGTERM. It fails unless: the abuse run reports no failure, no valid request was shed
# (no 503/504: a version switch drops nothing), every switch succeeded, and the server exits 0 within 30 s.
# Python 3's standard library only; Fashion-MNIST from scripts/setup.sh (Debian's dataset-fashion-mnist).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count=2000
seed=1
switches=20
synapse="$repo/.build/release/synapse"
synapse_given=0
keep=0

die() { echo "serve-robustness: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --count) [[ $# -ge 2 ]] || die "--count needs a number"; count="$2"; shift ;;
        --seed) [[ $# -ge 2 ]] || die "--seed needs a number"; seed="$2"; shift ;;
        --switches) [[ $# -ge 2 ]] || die "--switches needs a number"; switches="$2"; shift ;;
        --synapse) [[ $# -ge 2 ]] || die "--synapse needs a path"; synapse="$2"; synapse_given=1; shift ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
for pair in "count:$count" "seed:$seed" "switches:$switches"; do
    [[ "${pair#*:}" =~ ^[0-9]+$ ]] || die "--${pair%%:*} must be a whole number, got '${pair#*:}'"
done
[[ "$count" -ge 1 ]] || die "--count must be at least 1"

if [[ $synapse_given -eq 1 && ! -x "$synapse" ]]; then
    die "--synapse $synapse: not an executable file"
elif [[ ! -x "$synapse" ]]; then
    echo "serve-robustness: building synapse (swift build -c release --product synapse)" >&2
    (cd "$repo" && swift build -c release --product synapse) || die "the release build failed"
fi
data_dir="${SYNAPSE_DATA_DIR:+$SYNAPSE_DATA_DIR/fashion-mnist}"
[[ -n "$data_dir" && -f "$data_dir/t10k-images-idx3-ubyte.gz" ]] || data_dir="/usr/share/datasets/fashion-mnist"
[[ -f "$data_dir/t10k-images-idx3-ubyte.gz" ]] || die "Fashion-MNIST not found in $data_dir (bash scripts/setup.sh installs it)"

work="$(mktemp -d /tmp/serve-robustness.XXXXXX)"
server_pid=""
abuse_pid=""
cleanup() {
    [[ -z "$abuse_pid" ]] || kill -TERM "$abuse_pid" 2>/dev/null || true
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if [[ $keep -eq 1 ]]; then echo "serve-robustness: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- model -------------------------------------------------------------------------------------------
echo "serve-robustness: training W6's MLP (1 epoch) in $work/run" >&2
"$synapse" train --dataset fashion-mnist --model mlp --epochs 1 --batch-size 128 --lr 1e-3 --seed 0 \
    --run-dir "$work/run" --no-progress >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; die "training failed"; }
for version in 1 2; do
    mkdir -p "$work/models/fashion/$version"
    cp -R "$work/run/." "$work/models/fashion/$version/"
done

# --- server ------------------------------------------------------------------------------------------
"$synapse" serve --model-dir "$work/models" --port 0 --admin --max-body-bytes $((2 << 20)) --log-level warning \
    >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
url=""
for _ in $(seq 600); do
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; die "the server exited before it listened (log above)"; }
    url="$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    print(json.loads(line).get("listening", "")); break' "$work/serve.out" 2>/dev/null || true)"
    [[ -n "$url" ]] && break
    sleep 0.2
done
[[ -n "$url" ]] || die "the server did not report its address within 120 s"
echo "serve-robustness: synapse serve listens on $url (pid $server_pid)" >&2

# --- abuse, with version switches -----------------------------------------------------------------------
python3 "$repo/scripts/serve-abuse.py" --url "$url" --model fashion --count "$count" --seed "$seed" \
    --pid "$server_pid" --huge-mib 3 --tolerance 1e-6 --versions 1,2 >"$work/abuse.json" 2>"$work/abuse.log" &
abuse_pid=$!
done_switches=0
failed_switches=0
sleep 1
while [[ $done_switches -lt $switches ]] && kill -0 "$abuse_pid" 2>/dev/null; do
    if [[ $((done_switches % 2)) -eq 0 ]]; then
        "$synapse" models serve --server "$url" --model fashion --version 1 >>"$work/switch.log" 2>&1 || failed_switches=$((failed_switches + 1))
    else
        "$synapse" models rollback --server "$url" --model fashion >>"$work/switch.log" 2>&1 || failed_switches=$((failed_switches + 1))
    fi
    done_switches=$((done_switches + 1))
    sleep 0.3
done
abuse_status=0
wait "$abuse_pid" || abuse_status=$?
abuse_pid=""
tail -n 3 "$work/abuse.log" >&2 || true

# --- shutdown ------------------------------------------------------------------------------------------
kill -TERM "$server_pid"
server_status=""
for _ in $(seq 300); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        server_status=0
        wait "$server_pid" || server_status=$?
        break
    fi
    sleep 0.1
done
[[ -n "$server_status" ]] && server_pid=""

# --- verdict -------------------------------------------------------------------------------------------
python3 - "$work/abuse.json" "$abuse_status" "$done_switches" "$failed_switches" "${server_status:-none}" <<'PY' || { cat "$work/switch.log" >&2 2>/dev/null || true; exit 1; }
import json, sys
path, abuse_status, switches, failed_switches, server_status = sys.argv[1:]
problems = []
try:
    report = json.loads(open(path).read().strip().splitlines()[-1])
except Exception as error:  # noqa: BLE001 - any unreadable report is a failure
    sys.exit(f"serve-robustness: no abuse report ({error})")
if abuse_status != "0" or not report.get("ok"):
    problems.append(f"the abuse run failed ({report.get('failures')} failures: {report.get('failure_examples', [])[:3]})")
if report.get("shed_503_504", 0) != 0:
    problems.append(f"{report['shed_503_504']} requests were shed with 503/504 (a version switch must drop nothing)")
if failed_switches != "0":
    problems.append(f"{failed_switches} of {switches} version switches failed")
if server_status != "0":
    problems.append(f"the server did not exit 0 within 30 s of SIGTERM (status {server_status})")
summary = {"requests": report.get("requests"), "failures": report.get("failures"), "statuses": report.get("statuses"),
           "rss_growth_mib": report.get("rss_growth_mib"), "version_switches": int(switches), "shutdown_status": server_status}
print("serve-robustness: " + json.dumps(summary, sort_keys=True), file=sys.stderr)
if problems:
    sys.exit("serve-robustness: FAILED: " + "; ".join(problems))
print("serve-robustness: passed", file=sys.stderr)
PY
