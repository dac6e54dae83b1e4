#!/usr/bin/env bash
# One-time preparation of the graph datasets for Synapse (`KarateClub.load()`).
#
# Usage: scripts/prepare-graphs.sh [DEST_DIR] [--force]
#
# Writes Zachary's karate club from the networkx package (its karate_club_graph(): 34 members,
# 78 friendships with interaction counts, the `club` each member joined) as
#   DEST_DIR/karate/nodes.csv   id,club
#   DEST_DIR/karate/edges.csv   source,target,weight   (each friendship once)
# DEST_DIR defaults to $SYNAPSE_DATA_DIR when set, else ~/.cache/synapse, which is where Synapse
# looks. Needs python3 with networkx (pip install networkx, or Debian python3-networkx). Set PYTHON
# to choose the interpreter.
set -euo pipefail

force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) dest="$arg" ;;
    esac
done
if [[ -z "$dest" ]]; then
    if [[ -n "${SYNAPSE_DATA_DIR:-}" ]]; then dest="$SYNAPSE_DATA_DIR"; else dest="$HOME/.cache/synapse"; fi
fi
python="${PYTHON:-python3}"
karate="$dest/karate"
if [[ -f "$karate/nodes.csv" && -f "$karate/edges.csv" && $force == 0 ]]; then
    echo "The karate club graph is already prepared in $karate (use --force to redo it)"
    exit 0
fi
"$python" -c "import networkx" 2>/dev/null || { echo "prepare-graphs: $python needs networkx (pip install networkx)" >&2; exit 1; }
mkdir -p "$karate"
"$python" - "$karate" <<'PY'
import csv, os, sys
import networkx as nx

out = sys.argv[1]
g = nx.karate_club_graph()
assert g.number_of_nodes() == 34 and g.number_of_edges() == 78, "unexpected karate club graph"
for name in ("nodes.csv", "edges.csv"):
    if os.path.exists(os.path.join(out, name + ".tmp")):
        os.remove(os.path.join(out, name + ".tmp"))
with open(os.path.join(out, "nodes.csv.tmp"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "club"])
    for node, data in sorted(g.nodes(data=True)):
        w.writerow([node, data["club"]])
with open(os.path.join(out, "edges.csv.tmp"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["source", "target", "weight"])
    for a, b, data in sorted(g.edges(data=True)):
        w.writerow([a, b, data.get("weight", 1)])
for name in ("nodes.csv", "edges.csv"):
    os.replace(os.path.join(out, name + ".tmp"), os.path.join(out, name))
print(f"karate club: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges in {out}")
PY
