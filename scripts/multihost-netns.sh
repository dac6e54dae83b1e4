#!/usr/bin/env bash
# Data- and pipeline-parallel training across two "hosts" on one machine: two network namespaces joined by a veth
# pair (10.77.0.1 and 10.77.0.2, nothing else reachable), one rank in each, talking MPI over TCP as two
# cluster nodes would. mpirun runs in the first namespace and starts the second rank's daemon through
# a stand-in for ssh that enters the other namespace; everything else is the recipe for a real cluster
# (docs/distributed.md): a hostfile, --mca btl_tcp_if_include / oob_tcp_if_include on the hosts'
# network, the same binary and data paths on every host.
#
# Usage (as root): scripts/multihost-netns.sh [path/to/synapse]
# Runs a data-parallel job and a pipeline-parallel one (1F1B) across them; checks that each succeeds,
# reports 2 ranks, and that rank 1 really ran in the other namespace.
set -euo pipefail
synapse=$(realpath "${1:-.build/release/synapse}")
a=synapse-node-a
b=synapse-node-b
work=$(mktemp -d)
cleanup() {
    ip netns delete "$a" 2>/dev/null || true
    ip netns delete "$b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cleanup
work=$(mktemp -d)

ip netns add "$a"
ip netns add "$b"
ip link add veth-a netns "$a" type veth peer name veth-b netns "$b"
ip -n "$a" addr add 10.77.0.1/24 dev veth-a
ip -n "$b" addr add 10.77.0.2/24 dev veth-b
for ns in "$a" "$b"; do
    ip -n "$ns" link set lo up
done
ip -n "$a" link set veth-a up
ip -n "$b" link set veth-b up

# Open MPI's launcher calls `<agent> <host> <command...>` to start its daemon on another host; on a
# cluster that is ssh, here it enters the host's namespace.
cat > "$work/netns-rsh" <<AGENT
#!/bin/sh
while [ \$# -gt 0 ] && [ "\${1#-}" != "\$1" ]; do shift; done
host=\$1; shift
case \$host in
    10.77.0.1) ns=$a ;;
    10.77.0.2) ns=$b ;;
    *) echo "netns-rsh: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec \$ns sh -c "\$*"
AGENT
chmod +x "$work/netns-rsh"
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$work/hosts"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$work"
# One job across the two "hosts": `job NAME [extra synapse train flags]`, output in $work/NAME.txt.
job() {
    local name=$1; shift
    ip netns exec "$a" timeout 600 mpirun --hostfile "$work/hosts" -np 2 --map-by node \
        --mca plm_rsh_agent "$work/netns-rsh" --mca plm_rsh_no_tree_spawn 1 \
        --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
        -x SYNAPSE_ADAPTIVE_THREADS=0 \
        sh -c 'echo "rank $OMPI_COMM_WORLD_RANK in $(ip -brief addr show | grep -o "10\.77\.0\.[12]")"; exec "$0" "$@"' \
        "$synapse" train --dataset fashion-mnist --model mlp --epochs 1 --batch-size 32 --train-fraction 0.05 \
        --threads 1 --no-progress --output "$work/$name.safetensors" "$@" | tee "$work/$name.txt"
    grep -q "rank 0 in 10.77.0.1" "$work/$name.txt" || { echo "multihost-netns: $name: rank 0 did not run on node a" >&2; exit 1; }
    grep -q "rank 1 in 10.77.0.2" "$work/$name.txt" || { echo "multihost-netns: $name: rank 1 did not run on node b" >&2; exit 1; }
}

# Data parallel: gradients reduced over TCP.
job data-parallel
tail -n 1 "$work/data-parallel.txt" | python3 -c 'import json, sys; r = json.loads(sys.stdin.read()); assert r["ranks"] == 2 and r["global_batch"] == 64 and r["test_accuracy"] > 0.6 and r["reduction"] == "mpi-allreduce", r; print("multihost-netns: data parallel ok", r["test_accuracy"])'
# Pipeline parallel in 1F1B order: activations and gradients exchanged point to point over TCP.
job pipeline --pipeline --micro-batches 4 --pipeline-schedule 1f1b
tail -n 1 "$work/pipeline.txt" | python3 -c 'import json, sys; r = json.loads(sys.stdin.read()); assert r["ranks"] == 2 and r["pipeline_stages"] == 2 and r["peak_live_micro_batches"] == [2, 1] and r["test_accuracy"] > 0.6, r; print("multihost-netns: pipeline ok", r["test_accuracy"])'
