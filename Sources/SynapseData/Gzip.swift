import CZlib
import SynapseCore

/// Gzip compression and decompression through zlib.
///
/// `decompress` accepts plain bytes too (anything that does not start with the gzip magic
/// `1F 8B` is returned unchanged), so a reader can take `file.gz` and `file` alike.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number `1F 8B`.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The most bytes `decompress` produces unless the caller allows more: 1 GiB, far above any
    /// dataset file Synapse reads, and low enough that a gzip bomb (a few kilobytes inflating to
    /// many gigabytes) is refused before it exhausts memory.
    public static let defaultOutputLimit = 1 << 30

    /// The decompressed contents of `bytes`, or `bytes` themselves when they are not gzip data.
    ///
    /// Concatenated gzip members are decompressed one after another, as `gunzip` does.
    /// - Parameters:
    ///   - path: names the source in error messages.
    ///   - limit: the most bytes the output may hold; a stream that inflates beyond it is refused
    ///     (readers that know the expected size from a header pass that size).
    /// - Throws: `DataError.corruptGzip` when the stream is damaged or cut short,
    ///   `DataError.tooLarge` when it inflates beyond `limit`.
    public static func decompress(_ bytes: [UInt8], path: String = "<memory>",
                                  limit: Int = defaultOutputLimit) throws(DataError) -> [UInt8] {
        guard isCompressed(bytes) else {
            if bytes.count > limit {
                throw .tooLarge(path: path, limit: limit, reason: "the file holds \(bytes.count) bytes")
            }
            return bytes
        }
        return try inflateAll(bytes, path: path, limit: limit, prefixOnly: false)
    }

    /// At most the first `count` decompressed bytes of `bytes` (the bytes themselves when they are
    /// not gzip data), without inflating the rest: enough to read a header and learn the size the
    /// whole file must have before committing memory to it.
    /// - Throws: `DataError.corruptGzip` when the stream is damaged before `count` bytes.
    public static func decompressedPrefix(_ bytes: [UInt8], count: Int, path: String = "<memory>") throws(DataError) -> [UInt8] {
        guard isCompressed(bytes) else { return Array(bytes.prefix(count)) }
        return try inflateAll(bytes, path: path, limit: count, prefixOnly: true)
    }

    /// Inflates every member of `bytes`. Output beyond `limit` is an error, or (with `prefixOnly`)
    /// the point where inflation stops and the first `limit` bytes are returned.
    private static func inflateAll(_ bytes: [UInt8], path: String, limit: Int, prefixOnly: Bool) throws(DataError) -> [UInt8] {
        let limit = min(max(0, limit), Int.max / 2)    // `limit + 1` below must not overflow
        var output = GrowableBuffer(capacity: min(sizeHint(bytes), limit + 1))
        defer { output.deallocate() }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corruptGzip(path: path, reason: "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }

        var exceeded = false
        let failure: String? = bytes.withUnsafeBufferPointer { input -> String? in
            let base = UnsafeMutablePointer(mutating: input.baseAddress!)
            var consumed = 0
            while true {
                // Feed input in chunks that fit zlib's 32-bit counters.
                if stream.avail_in == 0 && consumed < input.count {
                    let chunk = min(input.count - consumed, 1 << 30)
                    stream.next_in = base + consumed
                    stream.avail_in = UInt32(chunk)
                    consumed += chunk
                }
                // One byte past the limit is room enough to tell "exactly the limit" from "more".
                let room = limit + 1 - output.count
                output.reserveFree(minimum: min(1 << 16, room))
                let free = min(output.capacity - output.count, 1 << 30, room)
                stream.next_out = output.pointer + output.count
                stream.avail_out = UInt32(free)
                let status = inflate(&stream, Z_NO_FLUSH)
                output.count += free - Int(stream.avail_out)
                if output.count > limit {
                    exceeded = true
                    return nil
                }
                let remaining = input.count - consumed + Int(stream.avail_in)
                switch status {
                case Z_STREAM_END:
                    if remaining == 0 { return nil }
                    let next = input.count - remaining
                    if remaining >= 2 && input[next] == 0x1F && input[next + 1] == 0x8B {
                        inflateReset(&stream)    // another gzip member follows
                        continue
                    }
                    if input[next...].allSatisfy({ $0 == 0 }) { return nil }    // zero padding
                    return "\(remaining) bytes of trailing garbage after the gzip stream"
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if remaining == 0 {
                        return "stream ends early (truncated after \(input.count) compressed bytes, "
                            + "\(output.count) bytes decompressed)"
                    }
                    continue
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let message = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                    return "\(message) (at compressed byte \(input.count - remaining))"
                case Z_MEM_ERROR:
                    return "out of memory"
                default:
                    return "zlib error \(status)"
                }
            }
        }
        if exceeded {
            if prefixOnly { return Array(output.toArray().prefix(limit)) }
            throw .tooLarge(path: path, limit: limit, reason: "the gzip stream inflates to more than \(limit) bytes")
        }
        if let failure { throw .corruptGzip(path: path, reason: failure) }
        return output.toArray()
    }

    /// `bytes` compressed into a single gzip member (what `gzip -n` writes: no name, time 0).
    /// - Parameter level: zlib compression level, 0 (store) to 9 (smallest).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        require(status == Z_OK, "Gzip.compress: deflateInit2 failed with \(status)")
        defer { deflateEnd(&stream) }
        var output = GrowableBuffer(capacity: Int(deflateBound(&stream, UInt(min(bytes.count, Int(UInt32.max))))) + 64)
        defer { output.deallocate() }
        bytes.withUnsafeBufferPointer { input in
            var consumed = 0
            var finished = false
            while !finished {
                if stream.avail_in == 0 && consumed < input.count {
                    let chunk = min(input.count - consumed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.avail_in = UInt32(chunk)
                    consumed += chunk
                }
                output.reserveFree(minimum: 1 << 16)
                let free = min(output.capacity - output.count, 1 << 30)
                stream.next_out = output.pointer + output.count
                stream.avail_out = UInt32(free)
                let flush = consumed == input.count ? Z_FINISH : Z_NO_FLUSH
                let result = deflate(&stream, flush)
                output.count += free - Int(stream.avail_out)
                require(result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR,
                              "Gzip.compress: deflate failed with \(result)")
                finished = result == Z_STREAM_END
            }
        }
        return output.toArray()
    }

    /// Initial output capacity: the size recorded in the gzip trailer (modulo 2^32), bounded by
    /// deflate's maximum ratio so that a damaged trailer cannot request an absurd allocation.
    private static func sizeHint(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        guard n >= 18 else { return 1 << 16 }
        let recorded = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        return max(1 << 16, min(recorded, n * 1032))
    }
}

/// A manually managed byte buffer that grows geometrically (used as zlib's output window).
private struct GrowableBuffer {
    var pointer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
    }

    /// Makes sure at least `minimum` bytes are free after `count`.
    mutating func reserveFree(minimum: Int) {
        guard capacity - count < minimum else { return }
        let newCapacity = max(capacity + capacity / 2, count + minimum)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.update(from: pointer, count: count)
        pointer.deallocate()
        pointer = fresh
        capacity = newCapacity
    }

    func toArray() -> [UInt8] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    func deallocate() { pointer.deallocate() }
}
