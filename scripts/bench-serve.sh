#!/usr/bin/env bash
# W10 serving benchmark: `synapse serve` against FastAPI + uvicorn + ONNX Runtime, same model, same load.
#
# Usage: scripts/bench-serve.sh [--quick] [--duration SECONDS] [--connections "1 8 64"] [--server-only]
#                               [--python PATH] [--workers N] [--synapse PATH] [--keep] [--help]
#
#   --quick          3 s per connection level instead of 30 s (a smoke run; figures are noisy)
#   --duration S     seconds of load per connection level (default 30)
#   --connections L  the concurrent connection counts, space-separated (default "1 8 64")
#   --server-only    measure `synapse serve` alone: no reference (nor its venv), no ratios
#   --python PATH    the interpreter with fastapi, uvicorn[standard], onnxruntime, orjson, numpy
#                    (default /root/serve-ref-venv/bin/python; see docs/serving-benchmark.md)
#   --workers N      uvicorn workers of the reference (default: one per core)
#   --synapse PATH   the synapse binary (default .build/release/synapse, built when missing)
#   --keep           keep the temporary directory (model repository, logs, wrk output) and print its path
#
# Steps: trains W6's MLP (W2's network, 1 epoch, seed 0) into a temporary run directory, exports it to ONNX,
# lays out the model repository models/fashion/1/ and 2/ (the same weights), starts `synapse serve --admin`,
# waits for /readyz, checks that the server's answer for the first Fashion-MNIST test image equals `synapse
# predict` on the same image, runs wrk (Benchmarks/serve/predict.lua, batch-1 requests of that image) at each
# connection level, then once more at 64 connections while the serving version flips every 100 ms (no request
# may fail), then does the same load (without the switches) for
# the reference server on the exported ONNX graph, and prints a Markdown table with the goals marked met/not met.
# Every process it starts is stopped on exit. Developer machines only (the reference needs pip packages);
# never in CI. Run it on an otherwise idle machine: wrk and the server share the cores.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration=30
connections="1 8 64"
server_only=0
python="/root/serve-ref-venv/bin/python"
workers="$(nproc)"
synapse="$repo/.build/release/synapse"
synapse_given=0
keep=0
model_name="fashion"

die() { echo "bench-serve: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) duration=3 ;;
        --duration) [[ $# -ge 2 ]] || die "--duration needs a number of seconds"; duration="$2"; shift ;;
        --connections) [[ $# -ge 2 ]] || die "--connections needs a list like \"1 8 64\""; connections="$2"; shift ;;
        --server-only) server_only=1 ;;
        --python) [[ $# -ge 2 ]] || die "--python needs a path"; python="$2"; shift ;;
        --workers) [[ $# -ge 2 ]] || die "--workers needs a number"; workers="$2"; shift ;;
        --synapse) [[ $# -ge 2 ]] || die "--synapse needs a path"; synapse="$2"; synapse_given=1; shift ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive whole number of seconds, got '$duration'"
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "--workers must be a positive whole number, got '$workers'"
for c in $connections; do
    [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "--connections must be positive whole numbers, got '$c'"
done

# --- tools ---------------------------------------------------------------------------------------------
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
command -v python3 >/dev/null || die "python3 is needed"
if ! command -v wrk >/dev/null; then
    echo "bench-serve: installing wrk (apt-get install -y wrk)" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } \
        || die "could not install wrk; install the Debian package 'wrk'"
fi
if [[ $server_only -eq 0 ]]; then
    [[ -x "$python" ]] || die "--python $python: not found; create the reference venv (docs/serving-benchmark.md) or use --server-only"
    "$python" -c "import fastapi, uvicorn, onnxruntime, numpy" 2>/dev/null \
        || die "--python $python lacks fastapi/uvicorn/onnxruntime/numpy (pip install fastapi 'uvicorn[standard]' onnxruntime orjson numpy)"
fi
if [[ $synapse_given -eq 1 && ! -x "$synapse" ]]; then
    die "--synapse $synapse: not an executable file"
elif [[ ! -x "$synapse" ]]; then
    echo "bench-serve: building synapse (swift build -c release --product synapse)" >&2
    (cd "$repo" && swift build -c release --product synapse) || die "the release build failed"
    synapse="$repo/.build/release/synapse"
fi
data_dir="${SYNAPSE_DATA_DIR:+$SYNAPSE_DATA_DIR/fashion-mnist}"
[[ -n "$data_dir" && -f "$data_dir/t10k-images-idx3-ubyte.gz" ]] || data_dir="/usr/share/datasets/fashion-mnist"
[[ -f "$data_dir/t10k-images-idx3-ubyte.gz" ]] || die "Fashion-MNIST not found in $data_dir (sudo apt-get install dataset-fashion-mnist)"

# --- cleanup -------------------------------------------------------------------------------------------
work="$(mktemp -d /tmp/bench-serve.XXXXXX)"
pids=()
wrk_pid=""
cleanup() {
    local pid
    [[ -z "$wrk_pid" ]] || kill -TERM "$wrk_pid" 2>/dev/null || true
    for pid in "${pids[@]}"; do
        # Each server runs in its own process group (setsid): stop the group, so uvicorn's workers go too.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    if [[ $keep -eq 1 ]]; then echo "bench-serve: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts "$@" in its own process group with output to $1's log; sets started_pid.
start_server() {
    local log="$1"; shift
    setsid "$@" >"$log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
}

wait_ready() {
    local url="$1" pid="$2" log="$3"
    for _ in $(seq 600); do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server exited before it was ready (log above)"; }
        if curl -fsS -o /dev/null --max-time 2 "$url/readyz" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    cat "$log" >&2
    die "the server was not ready after 120 s (log above)"
}

# --- model -----------------------------------------------------------------------------------------------
echo "bench-serve: training W6's MLP (1 epoch) in $work/run" >&2
"$synapse" train --dataset fashion-mnist --model mlp --epochs 1 --batch-size 128 --lr 1e-3 --seed 0 \
    --run-dir "$work/run" --no-progress >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; die "training failed"; }
weights="$work/run/weights.safetensors"
[[ -f "$weights" ]] || die "training wrote no $weights"
# Versions 1 and 2 hold the same weights: the switch-under-load step flips between them.
for version in 1 2; do
    mkdir -p "$work/models/$model_name/$version"
    cp -R "$work/run/." "$work/models/$model_name/$version/"
done
if [[ $server_only -eq 0 ]]; then
    "$synapse" export --weights "$weights" --format onnx --output "$work/model.onnx" >"$work/export.log" 2>&1 \
        || { cat "$work/export.log" >&2; die "ONNX export failed"; }
fi

# The first test image, as `synapse predict` input (one JSON array) and as the request body.
python3 - "$data_dir/t10k-images-idx3-ubyte.gz" "$work" <<'PY'
import gzip, json, sys
with gzip.open(sys.argv[1], "rb") as f:
    header = f.read(16)
    pixels = list(f.read(784))
assert int.from_bytes(header[:4], "big") == 2051 and len(pixels) == 784, "not an IDX image file"
open(sys.argv[2] + "/image.json", "w").write(json.dumps(pixels) + "\n")
open(sys.argv[2] + "/body.json", "w").write(json.dumps({"instances": [pixels]}, separators=(",", ":")))
PY
"$synapse" predict --weights "$weights" --input "$work/image.json" >"$work/predict.jsonl" 2>"$work/predict.log" \
    || { cat "$work/predict.log" >&2; die "synapse predict failed"; }

# Checks one server's answer for the test image against `synapse predict`'s (same class and label,
# probabilities equal to the precision predict prints); prints a one-line verdict.
check_answer() {
    local url="$1" who="$2"
    curl -fsS --max-time 10 -H 'Content-Type: application/json' --data-binary "@$work/body.json" \
        "$url/v1/models/$model_name:predict" >"$work/answer-$who.json" || die "$who: the test request failed"
    python3 - "$work/predict.jsonl" "$work/answer-$who.json" "$who" <<'PY'
import json, sys
expected = json.loads(open(sys.argv[1]).readline())
got = json.loads(open(sys.argv[2]).read())["predictions"][0]
who = sys.argv[3]
# `synapse predict` names the class ("class": "Ankle boot") and keys the probabilities by class name (in
# alphabetical order); the API gives them in class-index order, which is Fashion-MNIST's label order.
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
problems = []
want = [expected["probabilities"][n] for n in names]
if got.get("label") != expected["class"]:
    problems.append(f"label {got.get('label')!r} != predict's {expected['class']!r}")
if not 0 <= got["class"] < len(names) or names[got["class"]] != expected["class"]:
    problems.append(f"class {got['class']} != predict's {expected['class']!r}")
if len(got["probabilities"]) != len(want):
    problems.append(f"{len(got['probabilities'])} probabilities, predict has {len(want)}")
else:
    # predict prints 6 significant digits; allow that rounding and float32 differences between engines.
    worst = max(abs(a - b) - 1e-5 * abs(b) for a, b in zip(got["probabilities"], want))
    if worst > 1e-5:
        problems.append(f"probabilities differ from predict's by up to {worst:.2e} beyond its rounding")
if problems:
    sys.exit(f"bench-serve: {who}'s answer for test image 0 is wrong: " + "; ".join(problems))
print(f"bench-serve: {who} answers test image 0 as synapse predict does ({got.get('label', got['class'])})",
      file=sys.stderr)
PY
}

# Runs wrk at every connection level against $1; writes $work/results-$2.jsonl.
run_load() {
    local url="$1" who="$2" c t
    # One short warm-up (connection setup, caches, lazily built kernels) that is not measured.
    wrk -t2 -c8 -d2s -s "$repo/Benchmarks/serve/predict.lua" "$url/v1/models/$model_name:predict" -- "$work/body.json" \
        >/dev/null
    : >"$work/results-$who.jsonl"
    for c in $connections; do
        t=$(( c < 2 ? 1 : 2 ))
        echo "bench-serve: $who, $c connection(s), ${duration} s" >&2
        # In the background and waited for, so that a signal stops the run at once (bash runs traps only
        # after a foreground command ends).
        wrk -t"$t" -c"$c" -d"${duration}s" --timeout 10s --latency -s "$repo/Benchmarks/serve/predict.lua" \
            "$url/v1/models/$model_name:predict" -- "$work/body.json" >"$work/wrk-$who-$c.txt" &
        wrk_pid=$!
        wait "$wrk_pid" || die "wrk failed against $who at $c connections: $(tail -3 "$work/wrk-$who-$c.txt")"
        wrk_pid=""
        grep '^W10_RESULT ' "$work/wrk-$who-$c.txt" | sed 's/^W10_RESULT //' \
            | python3 -c "import json, sys; r = json.load(sys.stdin); r['connections'] = $c; print(json.dumps(r))" \
            >>"$work/results-$who.jsonl"
    done
}

# --- Synapse -------------------------------------------------------------------------------------------------
port="$(free_port)"
start_server "$work/synapse-serve.log" "$synapse" serve --model-dir "$work/models" --port "$port" --admin
synapse_pid=$started_pid
wait_ready "http://127.0.0.1:$port" "$synapse_pid" "$work/synapse-serve.log"
check_answer "http://127.0.0.1:$port" synapse
run_load "http://127.0.0.1:$port" synapse

# Version switches under full load: 64 connections for $duration s while the serving version flips between
# 1 and 2 every 100 ms; every request must still get a 2xx answer.
echo "bench-serve: synapse, 64 connection(s), ${duration} s, switching versions every 100 ms" >&2
wrk -t2 -c64 -d"${duration}s" --timeout 10s --latency -s "$repo/Benchmarks/serve/predict.lua" \
    "http://127.0.0.1:$port/v1/models/$model_name:predict" -- "$work/body.json" >"$work/wrk-switching.txt" &
wrk_pid=$!
switches=0
switch_failures=0
while kill -0 "$wrk_pid" 2>/dev/null; do
    if [[ $((switches % 2)) -eq 0 ]]; then
        "$synapse" models serve --server "http://127.0.0.1:$port" --model "$model_name" --version 1 >/dev/null 2>&1 \
            || switch_failures=$((switch_failures + 1))
    else
        "$synapse" models rollback --server "http://127.0.0.1:$port" --model "$model_name" >/dev/null 2>&1 \
            || switch_failures=$((switch_failures + 1))
    fi
    switches=$((switches + 1))
    sleep 0.1
done
wait "$wrk_pid" || die "wrk failed during the version switches: $(tail -3 "$work/wrk-switching.txt")"
wrk_pid=""
grep '^W10_RESULT ' "$work/wrk-switching.txt" | sed 's/^W10_RESULT //' \
    | python3 -c "import json, sys; r = json.load(sys.stdin); r['switches'] = $switches; r['switch_failures'] = $switch_failures; print(json.dumps(r))" \
    >"$work/results-switching.json"
kill -TERM -- "-$synapse_pid" 2>/dev/null || true
wait "$synapse_pid" 2>/dev/null || true

# --- Reference ------------------------------------------------------------------------------------------------
if [[ $server_only -eq 0 ]]; then
    port="$(free_port)"
    start_server "$work/reference.log" "$python" "$repo/Benchmarks/reference/fastapi_ort_server.py" \
        --model "$work/model.onnx" --name "$model_name" --port "$port" --workers "$workers"
    reference_pid=$started_pid
    wait_ready "http://127.0.0.1:$port" "$reference_pid" "$work/reference.log"
    check_answer "http://127.0.0.1:$port" reference
    run_load "http://127.0.0.1:$port" reference
    kill -TERM -- "-$reference_pid" 2>/dev/null || true
    wait "$reference_pid" 2>/dev/null || true
fi

# --- Report -----------------------------------------------------------------------------------------------------
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
reference_versions=""
if [[ $server_only -eq 0 ]]; then
    reference_versions="$("$python" -c 'import fastapi, uvicorn, onnxruntime as o; print(f"fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, onnxruntime {o.__version__}")')"
fi
python3 - "$work" "$server_only" "$duration" "$cpu" "$(nproc)" "$workers" "$reference_versions" <<'PY'
import json, os, sys
work, server_only, duration, cpu, cores, workers, versions = sys.argv[1:8]
server_only = server_only == "1"

def load(who):
    path = os.path.join(work, f"results-{who}.jsonl")
    if not os.path.exists(path):
        return {}
    return {r["connections"]: r for r in map(json.loads, open(path))}

ours, ref = load("synapse"), load("reference")
print(f"\n### W10 serving: {cpu}, {cores} cores, {duration} s per level, batch-1 JSON requests (wrk, loopback)\n")
if not server_only:
    print(f"Reference: FastAPI + uvicorn ({workers} workers, uvloop/httptools) + ONNX Runtime; {versions}\n")
print("| server | connections | req/s | p50 µs | p99 µs | errors | req/s vs reference | p99 vs reference |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
def errors(r):
    return sum(r["errors"].values())
for who, rows in (("synapse serve", ours), ("FastAPI + ORT", ref)):
    for c in sorted(rows):
        r = rows[c]
        vs, p99vs = "–", "–"
        if who == "synapse serve" and c in ref:
            vs = f"{r['requests_per_second'] / max(ref[c]['requests_per_second'], 1e-9):.2f}×"
            p99vs = f"{r['p99_us'] / max(ref[c]['p99_us'], 1):.2f}×"
        print(f"| {who} | {c} | {r['requests_per_second']:,.0f} | {r['p50_us']} | {r['p99_us']} | {errors(r)} | {vs} | {p99vs} |")

def verdict(ok):
    return "**met**" if ok else "**not met**"
print("\nGoals:")
bad = [f"{who} {c} connections" for who, rows in (("synapse", ours), ("reference", ref)) for c, r in rows.items() if errors(r)]
if 1 in ours:
    print(f"- p50 ≤ 150 µs at 1 connection: {ours[1]['p50_us']} µs, {verdict(ours[1]['p50_us'] <= 150)}")
else:
    print("- p50 ≤ 150 µs at 1 connection: not measured (1 is not among --connections)")
if server_only:
    print("- ≥ 3× the reference's throughput at 64 connections with a lower p99: not measured (--server-only)")
elif 64 in ours and 64 in ref:
    ratio = ours[64]["requests_per_second"] / max(ref[64]["requests_per_second"], 1e-9)
    lower = ours[64]["p99_us"] < ref[64]["p99_us"]
    print(f"- ≥ 3× the reference's throughput at 64 connections with a lower p99: {ratio:.2f}×, p99 "
          f"{ours[64]['p99_us']} vs {ref[64]['p99_us']} µs, {verdict(ratio >= 3 and lower)}")
else:
    print("- ≥ 3× the reference's throughput at 64 connections: not measured (64 is not among --connections)")
switching_path = os.path.join(work, "results-switching.json")
if os.path.exists(switching_path):
    r = json.load(open(switching_path))
    dropped = errors(r)
    print(f"- a version switch under load drops no request: {r['switches']} switches ({r['switch_failures']} failed) during "
          f"{r['requests_per_second']:,.0f} req/s at 64 connections, {dropped} errors, "
          f"{verdict(dropped == 0 and r['switch_failures'] == 0 and r['switches'] > 0)}")
if bad:
    print(f"- WARNING: errors (refused or failed requests) in: {', '.join(bad)}; those figures are not valid")
PY
