import Foundation
import SynapseCore

/// Reads many small labelled graphs (molecules, say) from three CSV files with headers — the layout
/// of PyG's `TUDataset` files, as CSV:
///
/// - graphs: `graph` (an id, unique) and the label column;
/// - nodes: `graph`, `id` (unique within its graph) and numeric feature columns (every other
///   column; at least one);
/// - edges: `graph`, `source`, `target` (node ids of that graph); other columns are ignored.
///   Edges are undirected: each is added in both directions, one listed twice is one edge.
///
/// Every fault — an unknown graph or node, a duplicate id, a graph without nodes, a missing label,
/// a non-numeric feature — is a `DataError` naming the file and line.
public enum GraphCollectionCSV {
    /// Most graphs, nodes and edges read.
    public static let maxGraphs = 1_000_000, maxNodes = 20_000_000, maxEdges = 50_000_000

    /// The graphs in `graphs`, `nodes` and `edges`, labelled by `labelColumn`. `classNames` fixes
    /// the classes and their order (a test file must use the training file's); nil takes the
    /// sorted distinct labels.
    /// - Throws: `DataError` for an unreadable file or any invalid content.
    public static func read(graphs: URL, nodes: URL, edges: URL, labelColumn: String, classNames: [String]? = nil,
                            name: String) throws(DataError) -> GraphCollection {
        func invalid(_ table: CSVTable, _ row: Int?, _ reason: String) -> DataError {
            .invalidContents(path: table.path, reason: (row.map { "line \(table.lineNumbers[$0]): " } ?? "") + reason)
        }
        func column(_ table: CSVTable, _ name: String) throws(DataError) -> Int {
            guard let c = table.header.firstIndex(of: name) else {
                throw invalid(table, nil, "no column named \"\(name)\" (columns: \(table.header.joined(separator: ", ")))")
            }
            return c
        }
        func cell(_ row: [String], _ c: Int) -> String { c < row.count ? GraphCSV.trimmed(row[c]) : "" }

        let graphTable = try CSVReader.read(graphs)
        let (graphColumn, labelIndex) = (try column(graphTable, "graph"), try column(graphTable, labelColumn))
        guard graphTable.count > 0 else { throw .empty(name: graphs.path, reason: "the graph file has no rows") }
        guard graphTable.count <= maxGraphs else { throw .tooLarge(path: graphs.path, limit: maxGraphs, reason: "more than \(maxGraphs) graphs") }
        var graphIndex: [String: Int] = [:], graphNames: [String] = [], labelNames: [String] = []
        for (r, row) in graphTable.rows.enumerated() {
            let id = cell(row, graphColumn), label = cell(row, labelIndex)
            guard !id.isEmpty else { throw invalid(graphTable, r, "empty graph id") }
            guard graphIndex[id] == nil else { throw invalid(graphTable, r, "graph \"\(id)\" appears twice") }
            guard !label.isEmpty else { throw invalid(graphTable, r, "graph \"\(id)\" has no label") }
            graphIndex[id] = r
            graphNames.append(id)
            labelNames.append(label)
        }
        let classes = classNames ?? Array(Set(labelNames)).sorted()
        guard classes.count >= 2 else { throw invalid(graphTable, nil, "every graph has the label \"\(classes.first ?? "")\"; a classifier needs two classes") }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var labels: [Int] = []
        for (r, label) in labelNames.enumerated() {
            guard let c = classIndex[label] else {
                throw invalid(graphTable, r, "label \"\(label)\" is not one of the classes \(classes.joined(separator: ", "))")
            }
            labels.append(c)
        }

        let nodeTable = try CSVReader.read(nodes)
        let (nodeGraph, nodeId) = (try column(nodeTable, "graph"), try column(nodeTable, "id"))
        guard nodeTable.count <= maxNodes else { throw .tooLarge(path: nodes.path, limit: maxNodes, reason: "more than \(maxNodes) nodes") }
        let featureColumns = nodeTable.header.indices.filter { $0 != nodeGraph && $0 != nodeId }
        guard !featureColumns.isEmpty else { throw invalid(nodeTable, nil, "no feature columns besides \"graph\" and \"id\"") }
        let width = featureColumns.count
        var nodeIndex = [[String: Int]](repeating: [:], count: graphNames.count)
        var features = [[Float]](repeating: [], count: graphNames.count)
        for (r, row) in nodeTable.rows.enumerated() {
            let g = cell(row, nodeGraph), id = cell(row, nodeId)
            guard let gi = graphIndex[g] else { throw invalid(nodeTable, r, "unknown graph \"\(g)\" (not in \(graphs.lastPathComponent))") }
            guard !id.isEmpty else { throw invalid(nodeTable, r, "empty node id") }
            guard nodeIndex[gi][id] == nil else { throw invalid(nodeTable, r, "node \"\(id)\" appears twice in graph \"\(g)\"") }
            nodeIndex[gi][id] = nodeIndex[gi].count
            for c in featureColumns {
                guard let v = Float(cell(row, c)), v.isFinite else {
                    throw invalid(nodeTable, r, "feature \"\(nodeTable.header[c])\" of node \"\(id)\" in graph \"\(g)\" is \"\(cell(row, c))\"; "
                                  + "expected a finite number")
                }
                features[gi].append(v)
            }
        }
        if let empty = nodeIndex.indices.first(where: { nodeIndex[$0].isEmpty }) {
            throw invalid(nodeTable, nil, "graph \"\(graphNames[empty])\" has no nodes")
        }

        let edgeTable = try CSVReader.read(edges)
        let (edgeGraph, s, t) = (try column(edgeTable, "graph"), try column(edgeTable, "source"), try column(edgeTable, "target"))
        guard edgeTable.count <= maxEdges / 2 else { throw .tooLarge(path: edges.path, limit: maxEdges, reason: "more than \(maxEdges) edges") }
        var sources = [[Int]](repeating: [], count: graphNames.count), targets = sources
        var seen = [Set<Int>](repeating: [], count: graphNames.count)
        for (r, row) in edgeTable.rows.enumerated() {
            let g = cell(row, edgeGraph)
            guard let gi = graphIndex[g] else { throw invalid(edgeTable, r, "unknown graph \"\(g)\" (not in \(graphs.lastPathComponent))") }
            func node(_ c: Int) throws(DataError) -> Int {
                let id = cell(row, c)
                guard let i = nodeIndex[gi][id] else { throw invalid(edgeTable, r, "unknown node \"\(id)\" in graph \"\(g)\"") }
                return i
            }
            let (a, b) = (try node(s), try node(t))
            let n = nodeIndex[gi].count
            guard seen[gi].insert(min(a, b) * n + max(a, b)).inserted else { continue }
            sources[gi].append(a); targets[gi].append(b)
            if a != b { sources[gi].append(b); targets[gi].append(a) }
        }
        var out: [LabelledGraph] = []
        out.reserveCapacity(graphNames.count)
        for g in graphNames.indices {
            let n = nodeIndex[g].count
            out.append(LabelledGraph(name: graphNames[g], features: Tensor(shape: [n, width], scalars: features[g]),
                                     edges: EdgeIndex(sources: sources[g], targets: targets[g], nodeCount: n), label: labels[g]))
        }
        return GraphCollection(name: name, graphs: out, classNames: classes, featureNames: featureColumns.map { nodeTable.header[$0] })
    }
}
