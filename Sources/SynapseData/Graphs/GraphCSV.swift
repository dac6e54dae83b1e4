import Foundation
import SynapseCore

/// Reads a node-labelled graph from two CSV files with headers, the layout most graph exports
/// use:
///
/// - nodes: a column `id` (any text, unique), the label column, and optionally numeric feature
///   columns (every other column); without them each node gets a one-hot identity feature, as
///   PyTorch Geometric's `KarateClub` does;
/// - edges: columns `source` and `target` (node ids) and optionally `weight` (a positive number).
///   An undirected graph's edges are added in both directions; an edge listed twice (a→b and b→a,
///   as citation exports often list them, or a→b twice) is one edge whose weights add up, as
///   PyTorch Geometric's `to_undirected` coalesces them.
///
/// Everything is checked — unknown node ids, duplicate ids, missing labels, non-numeric features or
/// weights — and reported as a `DataError` naming the file and line.
public enum GraphCSV {
    /// `text` without surrounding spaces and tabs; most cells have none, and are returned as they are
    /// without going through `CharacterSet` (which dominated reading a 3.9-million-cell node file).
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        func blank(_ b: UInt8?) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        guard blank(utf8.first) || blank(utf8.last) else { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Most nodes a graph may have when it has no features (its one-hot identities are nodes²).
    public static let maxIdentityNodes = 20_000
    /// Most nodes and edges read.
    public static let maxNodes = 5_000_000, maxEdges = 50_000_000

    /// The graph in `nodes` and `edges`, labelled by `labelColumn`.
    /// - Throws: `DataError` for an unreadable file or any invalid content.
    public static func read(nodes: URL, edges: URL, labelColumn: String, undirected: Bool = true, name: String) throws(DataError) -> NodeClassificationGraph {
        let nodeTable = try CSVReader.read(nodes)
        func invalid(_ table: CSVTable, _ row: Int?, _ reason: String) -> DataError {
            .invalidContents(path: table.path, reason: (row.map { "line \(table.lineNumbers[$0]): " } ?? "") + reason)
        }
        guard let idColumn = nodeTable.header.firstIndex(of: "id") else {
            throw invalid(nodeTable, nil, "no column named \"id\" (columns: \(nodeTable.header.joined(separator: ", ")))")
        }
        guard let labelIndex = nodeTable.header.firstIndex(of: labelColumn) else {
            throw invalid(nodeTable, nil, "no label column \"\(labelColumn)\" (columns: \(nodeTable.header.joined(separator: ", ")))")
        }
        let n = nodeTable.count
        guard n > 0 else { throw .empty(name: nodes.path, reason: "the node file has no rows") }
        guard n <= maxNodes else { throw .tooLarge(path: nodes.path, limit: maxNodes, reason: "more than \(maxNodes) nodes") }
        let featureColumns = nodeTable.header.indices.filter { $0 != idColumn && $0 != labelIndex }
        guard !featureColumns.isEmpty || n <= maxIdentityNodes else {
            throw invalid(nodeTable, nil, "\(n) nodes without feature columns: one-hot identities would need \(n)² values "
                          + "(at most \(maxIdentityNodes) nodes); add feature columns")
        }
        var index: [String: Int] = [:], names: [String] = [], labelNames: [String] = []
        var features: [Float] = []
        features.reserveCapacity(n * max(featureColumns.count, 0))
        for (r, row) in nodeTable.rows.enumerated() {
            func cell(_ c: Int) -> String { c < row.count ? trimmed(row[c]) : "" }
            let id = cell(idColumn)
            guard !id.isEmpty else { throw invalid(nodeTable, r, "empty node id") }
            guard index[id] == nil else { throw invalid(nodeTable, r, "node id \"\(id)\" appears twice") }
            index[id] = r
            names.append(id)
            let label = cell(labelIndex)
            guard !label.isEmpty else { throw invalid(nodeTable, r, "node \"\(id)\" has no label") }
            labelNames.append(label)
            for c in featureColumns {
                guard let v = Float(cell(c)), v.isFinite else {
                    throw invalid(nodeTable, r, "feature \"\(nodeTable.header[c])\" of node \"\(id)\" is \"\(cell(c))\"; expected a finite number")
                }
                features.append(v)
            }
        }
        let classNames = Array(Set(labelNames)).sorted()
        guard classNames.count >= 2 else { throw invalid(nodeTable, nil, "every node has the label \"\(classNames[0])\"; a classifier needs two classes") }
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })

        let edgeTable = try CSVReader.read(edges)
        guard let s = edgeTable.header.firstIndex(of: "source"), let t = edgeTable.header.firstIndex(of: "target") else {
            throw invalid(edgeTable, nil, "needs columns \"source\" and \"target\" (columns: \(edgeTable.header.joined(separator: ", ")))")
        }
        guard edgeTable.count <= maxEdges / (undirected ? 2 : 1) else {
            throw .tooLarge(path: edges.path, limit: maxEdges, reason: "more than \(maxEdges) edges")
        }
        let w = edgeTable.header.firstIndex(of: "weight")
        var sources: [Int] = [], targets: [Int] = [], weights: [Float] = []
        // Undirected: the position of each unordered pair's first direction, so a repeat adds its weight.
        var seen: [Int: Int] = [:]
        for (r, row) in edgeTable.rows.enumerated() {
            func node(_ c: Int) throws(DataError) -> Int {
                let id = c < row.count ? trimmed(row[c]) : ""
                guard let i = index[id] else { throw invalid(edgeTable, r, "unknown node \"\(id)\" (not in \(nodes.lastPathComponent))") }
                return i
            }
            let (a, b) = (try node(s), try node(t))
            var weight: Float = 1
            if let w {
                let text = w < row.count ? trimmed(row[w]) : ""
                guard let v = Float(text), v.isFinite, v > 0 else {
                    throw invalid(edgeTable, r, "edge weight \"\(text)\"; expected a positive number")
                }
                weight = v
            }
            if undirected {
                let key = min(a, b) * n + max(a, b)
                if let first = seen[key] {
                    weights[first] += weight
                    guard weights[first].isFinite else { throw invalid(edgeTable, r, "the weights of an edge listed again add up past Float's range") }
                    if a != b { weights[first + 1] += weight }
                    continue
                }
                seen[key] = sources.count
            }
            sources.append(a); targets.append(b); weights.append(weight)
            if undirected && a != b { sources.append(b); targets.append(a); weights.append(weight) }
        }
        let x: Tensor
        if featureColumns.isEmpty {
            x = Tensor(shape: [n, n]) { out in
                out.initialize(repeating: 0)
                for i in 0..<n { out[i * n + i] = 1 }
            }
        } else {
            x = Tensor(shape: [n, featureColumns.count], scalars: features)
        }
        return NodeClassificationGraph(name: name, edges: EdgeIndex(sources: sources, targets: targets, nodeCount: n),
                                       edgeWeights: w == nil ? nil : weights, features: x, labels: labelNames.map { classIndex[$0]! },
                                       classNames: classNames, nodeNames: names, featureNames: featureColumns.map { nodeTable.header[$0] })
    }
}
