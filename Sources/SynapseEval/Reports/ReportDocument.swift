import Foundation
import SynapseCore

/// A report as format-neutral blocks, rendered to Markdown or HTML by `ReportFormat`. Building the
/// content once keeps the two formats saying the same thing.
public struct ReportDocument: Sendable {
    /// One piece of content.
    public enum Block: Sendable {
        /// A heading; level 1 is the title.
        case heading(String, level: Int)
        /// A paragraph of plain text.
        case paragraph(String)
        /// A table; `highlighted` rows are emphasised (the worst slice, say).
        case table(header: [String], rows: [[String]], highlighted: Set<Int> = [])
        /// An SVG figure with a caption; Markdown shows only the caption (its figures live in the HTML report).
        case figure(svg: String, caption: String)
    }

    /// The blocks, in reading order.
    public var blocks: [Block] = []

    /// An empty document.
    public init() {}

    /// Appends a block.
    public mutating func add(_ block: Block) { blocks.append(block) }
}

/// Output formats of a report, chosen from the file's extension.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// GitHub-flavoured Markdown (`.md`, `.markdown`).
    case markdown
    /// A standalone HTML page with the plots inline as SVG (`.html`, `.htm`).
    case html

    /// The format named by `path`'s extension (case-insensitive).
    /// - Throws: `ReportError.unsupportedFormat` for any other extension.
    public init(path: String) throws(ReportError) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.contains(".") ? String(name.split(separator: ".").last ?? "").lowercased() : ""
        switch ext {
        case "md", "markdown": self = .markdown
        case "html", "htm": self = .html
        default: throw .unsupportedFormat(path: path, extension: ext)
        }
    }

    /// `document` rendered in this format.
    public func render(_ document: ReportDocument, title: String) -> String {
        switch self {
        case .markdown: return Self.markdown(document)
        case .html: return Self.html(document, title: title)
        }
    }

    private static func markdown(_ document: ReportDocument) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var out: [String] = []
        for block in document.blocks {
            switch block {
            case .heading(let text, let level):
                out.append(String(repeating: "#", count: min(max(level, 1), 6)) + " " + text)
            case .paragraph(let text):
                out.append(text)
            case .table(let header, let rows, let highlighted):
                var lines = ["| " + header.map(cell).joined(separator: " | ") + " |",
                             "|" + header.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined()]
                for (i, row) in rows.enumerated() {
                    let cells = row.map(cell).map { highlighted.contains(i) && !$0.isEmpty ? "**\($0)**" : $0 }
                    lines.append("| " + cells.joined(separator: " | ") + " |")
                }
                out.append(lines.joined(separator: "\n"))
            case .figure(_, let caption):
                out.append("*Figure: \(caption) (plotted in the HTML report).*")
            }
        }
        return out.joined(separator: "\n\n") + "\n"
    }

    private static func html(_ document: ReportDocument, title: String) -> String {
        let e = SVG.escape
        var out = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
                   "<title>\(e(title))</title>", "<style>", style, "</style>", "</head>", "<body>"]
        for block in document.blocks {
            switch block {
            case .heading(let text, let level):
                let l = min(max(level, 1), 6)
                out.append("<h\(l)>\(e(text))</h\(l)>")
            case .paragraph(let text):
                out.append("<p>\(e(text))</p>")
            case .table(let header, let rows, let highlighted):
                out.append("<table>")
                out.append("<thead><tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead>")
                out.append("<tbody>")
                for (i, row) in rows.enumerated() {
                    let open = highlighted.contains(i) ? "<tr class=\"highlight\">" : "<tr>"
                    out.append(open + row.map { "<td>\(e($0))</td>" }.joined() + "</tr>")
                }
                out.append("</tbody></table>")
            case .figure(let svg, let caption):
                out.append("<figure>\n\(svg)\n<figcaption>\(e(caption))</figcaption>\n</figure>")
            }
        }
        out += ["</body>", "</html>"]
        return out.joined(separator: "\n") + "\n"
    }

    private static let style = """
    body { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
    table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
    th, td { border: 1px solid #ccc; padding: 3px 9px; text-align: right; }
    th:first-child, td:first-child { text-align: left; }
    thead { background: #f0f0f0; }
    tr.highlight { background: #ffe3e0; font-weight: bold; }
    figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
    figcaption { font-size: 0.9em; color: #555; }
    """
}
