import SynapseCore

/// Encodes TensorBoard's `Event` protocol buffer (tensorflow/core/util/event.proto) by hand.
///
/// Field numbers used (the only ones a scalar/text/histogram logger needs):
/// - `Event`: 1 `wall_time` (double), 2 `step` (int64), 3 `file_version` (string), 5 `summary`.
/// - `Summary`: 1 repeated `Value`; `Value`: 1 `tag`, 2 `simple_value` (float), 5 `histo`,
///   8 `tensor`, 9 `metadata`.
/// - `HistogramProto`: 1 `min`, 2 `max`, 3 `num`, 4 `sum`, 5 `sum_squares`, 6 `bucket_limit`,
///   7 `bucket` (all double, repeated ones packed).
/// - `SummaryMetadata`: 1 `plugin_data` { 1 `plugin_name`, 2 `content` };
///   `TensorProto`: 1 `dtype` (7 = `DT_STRING`), 2 `tensor_shape` (empty = scalar), 8 `string_val`.
enum TensorBoardEvent {
    /// The version record that must open every event file.
    static let fileVersion = "brain.Event:2"

    /// The first event of a file: its format version.
    static func fileVersion(wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        event.string(3, fileVersion)
        return event.bytes
    }

    /// One summary value of an event.
    enum Value {
        /// A scalar curve point.
        case scalar(tag: String, value: Float)
        /// A text entry (Markdown in TensorBoard's Text tab).
        case text(tag: String, text: String)
        /// A histogram of values.
        case histogram(tag: String, TensorBoardHistogram)

        /// The value's name.
        var tag: String {
            switch self {
            case .scalar(let tag, _), .text(let tag, _), .histogram(let tag, _): return tag
            }
        }
    }

    /// An event holding a summary of `values` at `step`.
    static func summary(_ values: [Value], step: Int, wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        event.int64(2, Int64(step))
        event.message(5) { summary in
            for value in values { summary.message(1) { encode(value, into: &$0) } }
        }
        return event.bytes
    }

    private static func encode(_ value: Value, into v: inout ProtobufWriter) {
        switch value {
        case .scalar(let tag, let x):
            v.string(1, tag)
            v.float(2, x)
        case .text(let tag, let text):
            v.string(1, tag)
            v.message(8) { tensor in
                tensor.int64(1, 7)              // DT_STRING
                tensor.message(2) { _ in }      // shape [] (a scalar string)
                tensor.bytes(8, Array(text.utf8))
            }
            // The plugin name routes the tensor to TensorBoard's Text tab.
            v.message(9) { metadata in
                metadata.message(1) { plugin in plugin.string(1, "text") }
            }
        case .histogram(let tag, let h):
            v.string(1, tag)
            v.message(5) { histo in
                histo.double(1, h.min)
                histo.double(2, h.max)
                histo.double(3, Double(h.count))
                histo.double(4, h.sum)
                histo.double(5, h.sumOfSquares)
                histo.packedDoubles(6, h.bucketLimits)
                histo.packedDoubles(7, h.bucketCounts)
            }
        }
    }
}
