import SynapseCore

/// Reads the two container formats of `torch.save` and turns the unpickled items into values.
struct PyTorchFileReader {
    /// The legacy stream starts with the pickle of the magic number 0x1950a86a20f9469cfc6c (protocol 2).
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    /// Largest tensor accepted (elements): 2^36, far beyond any checkpoint that fits in memory.
    static let maximumElements = 1 << 36

    let path: String
    private(set) var warnings: [String] = []
    /// Storage bytes by key, with their dtype.
    private var storages: [String: ArraySlice<UInt8>] = [:]
    private var valuesMade = 0

    init(path: String) { self.path = path }

    // MARK: - Containers

    mutating func readZip(_ bytes: [UInt8]) throws(PyTorchFileError) -> PickleValue {
        let zip = try ZipReader(bytes: bytes, path: path)
        guard let pickleName = zip.names.first(where: { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }),
              let pickleEntry = zip.entries[pickleName] else {
            throw .badArchive(path: path, reason: "no '<archive>/data.pkl' entry (not a torch.save archive)")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        if let order = zip.entries[prefix + "byteorder"] {
            let text = String(decoding: try zip.data(order), as: UTF8.self)
            guard text == "little" else { throw .badArchive(path: path, reason: "byte order '\(text)' is not supported") }
        }
        let pickle = try zip.data(pickleEntry)
        let path = self.path
        var unpickler = Unpickler(pickle, path: path) { (pid: [Unpickler.Item]) throws(PyTorchFileError) -> Unpickler.StorageRef in
            let ref = try Self.storageRef(pid, path: path, legacy: false)
            guard let entry = zip.entries[prefix + "data/" + ref.key] else {
                throw .badTensor(path: path, reason: "storage record 'data/\(ref.key)' is missing")
            }
            guard entry.dataRange.count == ref.count * ref.dtype.size else {
                throw .badTensor(path: path, reason: "storage record 'data/\(ref.key)' holds \(entry.dataRange.count) bytes, "
                    + "\(ref.count) × \(ref.dtype.size) expected")
            }
            return ref
        }
        defer { unpickler.dismantle() }
        let item = try unpickler.run()
        // Records are read (and CRC-checked) only when a tensor uses them.
        var used: [String: ArraySlice<UInt8>] = [:]
        try collectStorages(item, into: &used) { (key: String) throws(PyTorchFileError) -> ArraySlice<UInt8> in
            try zip.data(zip.entries[prefix + "data/" + key]!)
        }
        storages = used
        return try value(item, depth: 0)
    }

    mutating func readLegacy(_ bytes: [UInt8]) throws(PyTorchFileError) -> PickleValue {
        let all = bytes[...], path = self.path
        var at = Self.legacyMagic.count
        var machines: [Unpickler] = []
        defer { for i in machines.indices { machines[i].dismantle() } }
        // Runs the next pickle of the stream; its items stay alive until this function returns.
        func next(_ persistent: @escaping ([Unpickler.Item]) throws(PyTorchFileError) -> Unpickler.StorageRef)
            throws(PyTorchFileError) -> Unpickler.Item {
            var u = Unpickler(all[at...], path: path, persistentLoad: persistent)
            let item = try u.run()
            at = u.position
            machines.append(u)
            return item
        }
        let noStorages: ([Unpickler.Item]) throws(PyTorchFileError) -> Unpickler.StorageRef = { _ throws(PyTorchFileError) in
            throw .badPickle(path: path, offset: 0, reason: "a storage outside the object pickle")
        }
        guard case .int(1001) = try next(noStorages) else {
            throw .badPickle(path: path, offset: 0, reason: "legacy protocol version is not 1001")
        }
        if case .box(let info) = try next(noStorages), info.kind == .dict {
            for i in stride(from: 0, to: info.items.count - 1, by: 2) {
                if case .string("little_endian") = info.items[i], case .bool(false) = info.items[i + 1] {
                    throw .badArchive(path: path, reason: "big-endian legacy files are not supported")
                }
            }
        }
        // The object pickle names storages before their bytes are known: collect what it uses.
        final class Collected { var refs: [String: Unpickler.StorageRef] = [:] }
        let collected = Collected()
        let item = try next { (pid: [Unpickler.Item]) throws(PyTorchFileError) -> Unpickler.StorageRef in
            let ref = try Self.storageRef(pid, path: path, legacy: true)
            if let seen = collected.refs[ref.key], seen.dtype != ref.dtype {
                throw .badTensor(path: path, reason: "storage '\(ref.key)' is used with two dtypes")
            }
            collected.refs[ref.key] = ref
            return ref
        }
        guard case .box(let keysBox) = try next(noStorages), keysBox.kind == .list else {
            throw .badPickle(path: path, offset: at, reason: "the storage key list is not a list")
        }
        // Then each storage: an 8-byte element count and the raw elements.
        var raw: [String: ArraySlice<UInt8>] = [:]
        for k in keysBox.items {
            guard case .string(let key) = k, let ref = collected.refs[key], raw[key] == nil else {
                throw .badTensor(path: path, reason: "the storage key list names a storage the object does not use, or one twice")
            }
            guard at + 8 <= all.count else { throw .badTensor(path: path, reason: "storage '\(key)' is truncated") }
            var count: UInt64 = 0
            for i in 0..<8 { count |= UInt64(all[at + i]) << (8 * UInt64(i)) }
            at += 8
            guard count <= UInt64(all.count - at) / UInt64(ref.dtype.size) else {
                throw .badTensor(path: path, reason: "storage '\(key)' of \(count) elements runs past the end of the file")
            }
            let n = Int(count) * ref.dtype.size
            raw[key] = all[at..<(at + n)]
            at += n
        }
        guard at == all.count else { throw .badTensor(path: path, reason: "\(all.count - at) bytes after the last storage") }
        for key in collected.refs.keys where raw[key] == nil {
            throw .badTensor(path: path, reason: "storage '\(key)' is used but not stored")
        }
        storages = raw
        return try value(item, depth: 0)
    }

    /// Parses a persistent id `('storage', StorageClass, key, location, count[, view])`.
    static func storageRef(_ pid: [Unpickler.Item], path: String, legacy: Bool) throws(PyTorchFileError) -> Unpickler.StorageRef {
        guard pid.count >= 5, case .string("storage") = pid[0], case .global("torch", let cls) = pid[1],
              let dtype = TorchDType.ofStorageClass(cls), case .string(let key) = pid[2], case .int(let count) = pid[4],
              count >= 0, count <= Int64(maximumElements) else {
            throw .badTensor(path: path, reason: "a persistent id is not ('storage', <storage class>, key, location, size)")
        }
        var viewOffset = 0
        if legacy, pid.count >= 6, case .box(let view) = pid[5], view.kind == .tuple {
            // (view key, offset, size): a view into a root storage. Saved only by very old releases.
            guard view.items.count == 3, case .int(let o) = view.items[1], o >= 0, o < Int64(maximumElements) else {
                throw .badTensor(path: path, reason: "storage view metadata is malformed")
            }
            viewOffset = Int(o)
        }
        return Unpickler.StorageRef(key: key, dtype: dtype, count: Int(count), viewOffset: viewOffset)
    }

    /// The bytes of every storage a tensor in `item` uses (walks boxes with a visited set).
    private func collectStorages(_ item: Unpickler.Item, into used: inout [String: ArraySlice<UInt8>],
                                 read: (String) throws(PyTorchFileError) -> ArraySlice<UInt8>) throws(PyTorchFileError) {
        var pending = [item]
        var seen = Set<ObjectIdentifier>()
        while let next = pending.popLast() {
            switch next {
            case .tensor(let spec):
                if used[spec.storage.key] == nil { used[spec.storage.key] = try read(spec.storage.key) }
            case .storage(let ref):
                if used[ref.key] == nil { used[ref.key] = try read(ref.key) }
            case .box(let b):
                if seen.insert(ObjectIdentifier(b)).inserted { pending.append(contentsOf: b.items) }
            default: break
            }
        }
    }

    // MARK: - Values

    private mutating func value(_ item: Unpickler.Item, depth: Int) throws(PyTorchFileError) -> PickleValue {
        valuesMade += 1
        guard valuesMade <= Unpickler.maximumValues else {
            throw .badPickle(path: path, offset: 0, reason: "the object expands to more than \(Unpickler.maximumValues) values")
        }
        guard depth <= Unpickler.maximumDepth else {
            throw .badPickle(path: path, offset: 0, reason: "containers nest deeper than \(Unpickler.maximumDepth) (or refer to themselves)")
        }
        switch item {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .bytes(b)
        case .global(let m, let n): return .global(m + "." + n)
        case .mark: throw .badPickle(path: path, offset: 0, reason: "a mark inside the object")
        case .storage: throw .badTensor(path: path, reason: "a bare storage outside a tensor")
        case .tensor(let spec): return .tensor(try tensor(spec))
        case .box(let b):
            switch b.kind {
            case .list: return .list(try b.items.map { (v) throws(PyTorchFileError) in try value(v, depth: depth + 1) })
            case .tuple: return .tuple(try b.items.map { (v) throws(PyTorchFileError) in try value(v, depth: depth + 1) })
            case .dict:
                var entries: [PickleDictEntry] = []
                for i in stride(from: 0, to: b.items.count - 1, by: 2) {
                    entries.append(PickleDictEntry(key: try value(b.items[i], depth: depth + 1), value: try value(b.items[i + 1], depth: depth + 1)))
                }
                return .dict(entries)
            }
        }
    }

    /// Whether the tensor's strides are the row-major ones of its shape.
    private static func isContiguous(_ spec: Unpickler.TensorSpec) -> Bool {
        var expected = 1
        for d in stride(from: spec.shape.count - 1, through: 0, by: -1) where spec.shape[d] != 1 {
            guard spec.strides[d] == expected else { return false }
            expected *= spec.shape[d]
        }
        return true
    }

    /// Gathers a (possibly strided) tensor from its storage and converts it to Float32.
    private mutating func tensor(_ spec: Unpickler.TensorSpec) throws(PyTorchFileError) -> TorchTensor {
        let ref = spec.storage
        guard let raw = storages[ref.key] else { throw .badTensor(path: path, reason: "storage '\(ref.key)' has no bytes") }
        let available = raw.count / ref.dtype.size - ref.viewOffset
        var count = 1, last = spec.offset
        for (size, stride) in zip(spec.shape, spec.strides) {
            let (c, o1) = count.multipliedReportingOverflow(by: size)
            guard !o1, c <= Self.maximumElements else { throw .badTensor(path: path, reason: "tensor of shape \(spec.shape) is too large") }
            count = c
            if size > 0 {
                let (span, o2) = (size - 1).multipliedReportingOverflow(by: stride)
                let (l, o3) = last.addingReportingOverflow(span)
                guard !o2, !o3 else { throw .badTensor(path: path, reason: "tensor strides \(spec.strides) overflow") }
                last = l
            }
        }
        guard count == 0 || last < min(available, ref.count - ref.viewOffset) else {
            throw .badTensor(path: path, reason: "tensor of shape \(spec.shape), strides \(spec.strides) and offset \(spec.offset) "
                + "reads past its storage '\(ref.key)' of \(min(available, ref.count - ref.viewOffset)) elements")
        }
        let dtype = ref.dtype, base = ref.viewOffset
        let isFloat = [.float32, .float64, .float16, .bfloat16].contains(dtype)
        var floats = [Float](repeating: 0, count: count)
        var ints: [Int64]? = isFloat ? nil : []
        ints?.reserveCapacity(count)
        var lost = false
        if dtype == .float32, Self.isContiguous(spec) {
            // The common case (a saved parameter): one copy, no per-element dispatch.
            raw.withUnsafeBytes { buf in
                floats.withUnsafeMutableBytes { out in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: buf[((base + spec.offset) * 4)...].prefix(count * 4)))
                }
            }
            return TorchTensor(dtype: dtype, value: Tensor(shape: spec.shape, scalars: floats), integers: nil, lostPrecision: false)
        }
        raw.withUnsafeBytes { buf in
            let p = buf.baseAddress!
            var index = [Int](repeating: 0, count: spec.shape.count)
            var flat = spec.offset
            for out in 0..<count {
                let element = base + flat
                switch dtype {
                case .float32:
                    floats[out] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: element * 4, as: UInt32.self)))
                case .float64:
                    let d = Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: element * 8, as: UInt64.self)))
                    floats[out] = Float(d)
                    if !lost, Double(floats[out]) != d, !d.isNaN { lost = true }
                case .float16:
                    floats[out] = Float(halfBits: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: element * 2, as: UInt16.self)))
                case .bfloat16:
                    let bits = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: element * 2, as: UInt16.self))
                    floats[out] = Float(bitPattern: UInt32(bits) << 16)
                default:
                    let v: Int64
                    switch dtype {
                    case .int64: v = Int64(littleEndian: p.loadUnaligned(fromByteOffset: element * 8, as: Int64.self))
                    case .int32: v = Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: element * 4, as: Int32.self)))
                    case .int16: v = Int64(Int16(littleEndian: p.loadUnaligned(fromByteOffset: element * 2, as: Int16.self)))
                    case .int8: v = Int64(p.load(fromByteOffset: element, as: Int8.self))
                    case .bool: v = p.load(fromByteOffset: element, as: UInt8.self) == 0 ? 0 : 1
                    default: v = Int64(p.load(fromByteOffset: element, as: UInt8.self))
                    }
                    floats[out] = Float(v)
                    if !lost, v.magnitude > 1 << 24 { lost = true }
                    ints?.append(v)
                }
                // Advance the multi-index (row-major) and the storage position with it.
                var d = spec.shape.count - 1
                while d >= 0 {
                    index[d] += 1
                    flat += spec.strides[d]
                    if index[d] < spec.shape[d] { break }
                    flat -= spec.strides[d] * index[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
        if lost { warnings.append("a \(dtype.rawValue) tensor of shape \(spec.shape) lost precision in the conversion to float32") }
        return TorchTensor(dtype: dtype, value: Tensor(shape: spec.shape, scalars: floats), integers: ints, lostPrecision: lost)
    }
}
