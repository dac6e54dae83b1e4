/// A restricted pickle machine: it runs the opcodes `torch.save` emits and builds plain values, and
/// accepts exactly the globals `torch.load(weights_only=True)` accepts for weights (tensor rebuild
/// functions, storage classes, `OrderedDict`, dtypes, `_codecs.encode`). It never imports or calls
/// anything: a global outside the list is refused by name when it is read, before it could be used.
///
/// Hostile pickles are bounded: every read is checked against the data, containers nest at most
/// `maximumDepth` deep, and a structure that shares sub-values (the "billion laughs" trick) may
/// expand to at most `maximumValues` values.
struct Unpickler {
    /// A tensor whose storage bytes are resolved later (the legacy format stores them after the pickle).
    struct TensorSpec {
        let storage: StorageRef
        let offset: Int
        let shape: [Int]
        let strides: [Int]
    }

    /// A storage named by a persistent id: its key in the file, dtype and element count.
    struct StorageRef {
        let key: String
        let dtype: TorchDType
        let count: Int
        /// Legacy view storages: the view's element offset into the root storage.
        let viewOffset: Int
    }

    /// A mutable container, shared by reference as Python shares lists and dicts.
    final class Box {
        enum Kind { case list, tuple, dict }
        let kind: Kind
        var items: [Item] = []
        init(_ kind: Kind, _ items: [Item] = []) { self.kind = kind; self.items = items }
    }

    indirect enum Item {
        case none, bool(Bool), int(Int64), float(Double), string(String), bytes([UInt8])
        case mark
        case global(module: String, name: String)
        case box(Box)
        case storage(StorageRef)
        case tensor(TensorSpec)
    }

    static let maximumDepth = 200
    static let maximumValues = 1_000_000

    let path: String
    private let data: ArraySlice<UInt8>
    private var at: Int
    private var stack: [Item] = []
    private var memo: [Int: Item] = [:]
    /// Every box made, so that `dismantle()` can break cycles and deep chains without recursion.
    private var boxes: [Box] = []
    /// Resolves a persistent id tuple to a storage.
    private let persistentLoad: ([Item]) throws(PyTorchFileError) -> StorageRef

    init(_ data: ArraySlice<UInt8>, path: String,
         persistentLoad: @escaping ([Item]) throws(PyTorchFileError) -> StorageRef) {
        self.data = data
        self.at = data.startIndex
        self.path = path
        self.persistentLoad = persistentLoad
    }

    /// The byte after the STOP opcode of the last `run()`.
    var position: Int { at }

    private func bad(_ reason: String, _ offset: Int? = nil) -> PyTorchFileError {
        .badPickle(path: path, offset: (offset ?? at) - data.startIndex, reason: reason)
    }

    // MARK: - Reading

    private mutating func bytes(_ n: Int) throws(PyTorchFileError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= data.endIndex - at else { throw bad("needs \(n) bytes, \(data.endIndex - at) left") }
        defer { at += n }
        return data[at..<(at + n)]
    }

    private mutating func byte() throws(PyTorchFileError) -> UInt8 { try bytes(1).first! }

    private mutating func unsigned(_ n: Int) throws(PyTorchFileError) -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try bytes(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    private mutating func length(_ n: Int) throws(PyTorchFileError) -> Int {
        let v = try unsigned(n)
        guard v <= UInt64(data.endIndex - at) else { throw bad("a length of \(v) exceeds the \(data.endIndex - at) bytes left") }
        return Int(v)
    }

    private mutating func utf8(_ n: Int) throws(PyTorchFileError) -> String {
        let start = at
        guard let s = String(bytes: try bytes(n), encoding: .utf8) else { throw bad("string is not UTF-8", start) }
        return s
    }

    /// A text line (protocol-0 GLOBAL arguments), without its newline.
    private mutating func line() throws(PyTorchFileError) -> String {
        guard let end = data[at...].firstIndex(of: 0x0A), end - at <= 256 else { throw bad("unterminated or overlong text line") }
        let s = String(decoding: data[at..<end], as: UTF8.self)
        at = end + 1
        return s
    }

    // MARK: - Stack

    private mutating func pop() throws(PyTorchFileError) -> Item {
        guard let v = stack.popLast() else { throw bad("stack underflow") }
        if case .mark = v { throw bad("unexpected mark") }
        return v
    }

    private mutating func popToMark() throws(PyTorchFileError) -> [Item] {
        guard let m = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
            throw bad("no mark on the stack")
        }
        let items = Array(stack[(m + 1)...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func push(_ item: Item) throws(PyTorchFileError) {
        guard stack.count < 1_000_000 else { throw bad("stack deeper than a million items") }
        stack.append(item)
    }

    private mutating func newBox(_ kind: Box.Kind, _ items: [Item] = []) -> Item {
        let b = Box(kind, items)
        boxes.append(b)
        return .box(b)
    }

    private func topBox(_ opcode: String) throws(PyTorchFileError) -> Box {
        guard case .box(let b)? = stack.last, b.kind != .tuple else { throw bad("\(opcode) needs a list or dict on the stack") }
        return b
    }

    private func memoIndex(_ i: UInt64) throws(PyTorchFileError) -> Int {
        guard i < 1 << 31 else { throw bad("memo index \(i) out of range") }
        return Int(i)
    }

    // MARK: - Running

    /// Runs the pickle program from the current position to its STOP and returns the result.
    mutating func run() throws(PyTorchFileError) -> Item {
        stack.removeAll()
        memo.removeAll()
        while true {
            let opStart = at
            let op = try byte()
            switch op {
            case 0x80: // PROTO
                let v = try byte()
                guard v <= 5 else { throw bad("pickle protocol \(v) is not supported", opStart) }
            case 0x95: _ = try bytes(8) // FRAME: a length hint only
            case 0x2E: // STOP
                let result = try pop()
                guard stack.isEmpty else { throw bad("\(stack.count) items left on the stack at STOP", opStart) }
                return result
            case 0x28: try push(.mark) // MARK
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popToMark() // POP_MARK
            case 0x32: // DUP
                guard let top = stack.last else { throw bad("DUP on an empty stack", opStart) }
                try push(top)
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int64(Int32(truncatingIfNeeded: try unsigned(4))))) // BININT
            case 0x4B: try push(.int(Int64(try byte()))) // BININT1
            case 0x4D: try push(.int(Int64(try unsigned(2)))) // BININT2
            case 0x8A: try push(.int(try long(Int(try byte())))) // LONG1
            case 0x8B: try push(.int(try long(try length(4)))) // LONG4
            case 0x47: try push(.float(Double(bitPattern: (try unsigned(8)).byteSwapped))) // BINFLOAT (big-endian)
            case 0x58: try push(.string(try utf8(try length(4)))) // BINUNICODE
            case 0x8C: try push(.string(try utf8(Int(try byte())))) // SHORT_BINUNICODE
            case 0x8D: try push(.string(try utf8(try length(8)))) // BINUNICODE8
            case 0x54: try push(.string(String(decoding: try bytes(try length(4)), as: UTF8.self))) // BINSTRING (Python 2 str)
            case 0x55: try push(.string(String(decoding: try bytes(Int(try byte())), as: UTF8.self))) // SHORT_BINSTRING
            case 0x42: try push(.bytes(Array(try bytes(try length(4))))) // BINBYTES
            case 0x43: try push(.bytes(Array(try bytes(Int(try byte()))))) // SHORT_BINBYTES
            case 0x8E: try push(.bytes(Array(try bytes(try length(8))))) // BINBYTES8
            case 0x5D: try push(newBox(.list)) // EMPTY_LIST
            case 0x6C: try push(newBox(.list, try popToMark())) // LIST
            case 0x29: try push(newBox(.tuple)) // EMPTY_TUPLE
            case 0x74: try push(newBox(.tuple, try popToMark())) // TUPLE
            case 0x85: let a = try pop(); try push(newBox(.tuple, [a])) // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); try push(newBox(.tuple, [a, b])) // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); try push(newBox(.tuple, [a, b, c])) // TUPLE3
            case 0x7D: try push(newBox(.dict)) // EMPTY_DICT
            case 0x64: // DICT
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw bad("DICT with an odd number of items", opStart) }
                try push(newBox(.dict, items))
            case 0x61: // APPEND
                let v = try pop()
                let list = try topBox("APPEND")
                guard list.kind == .list else { throw bad("APPEND to a dict", opStart) }
                try append(v, to: list)
            case 0x65: // APPENDS
                let items = try popToMark()
                let list = try topBox("APPENDS")
                guard list.kind == .list else { throw bad("APPENDS to a dict", opStart) }
                for v in items { try append(v, to: list) }
            case 0x73: // SETITEM
                let v = try pop(), k = try pop()
                let dict = try topBox("SETITEM")
                guard dict.kind == .dict else { throw bad("SETITEM on a list", opStart) }
                try append(k, to: dict)
                try append(v, to: dict)
            case 0x75: // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw bad("SETITEMS with an odd number of items", opStart) }
                let dict = try topBox("SETITEMS")
                guard dict.kind == .dict else { throw bad("SETITEMS on a list", opStart) }
                for v in items { try append(v, to: dict) }
            case 0x71: memo[try memoIndex(UInt64(try byte()))] = try peek() // BINPUT
            case 0x72: memo[try memoIndex(try unsigned(4))] = try peek() // LONG_BINPUT
            case 0x94: memo[memo.count] = try peek() // MEMOIZE
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let i = try memoIndex(op == 0x68 ? UInt64(try byte()) : try unsigned(4))
                guard let v = memo[i] else { throw bad("memo entry \(i) is not set", opStart) }
                try push(v)
            case 0x63: // GLOBAL
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93: // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw bad("STACK_GLOBAL needs two strings", opStart)
                }
                try push(try global(module, name))
            case 0x52: // REDUCE
                let args = try pop(), callable = try pop()
                guard case .box(let a) = args, a.kind == .tuple else { throw bad("REDUCE arguments are not a tuple", opStart) }
                try push(try reduce(callable, a.items, opStart))
            case 0x62: // BUILD: object state (an OrderedDict's _metadata, a Parameter's hooks); not needed for values
                _ = try pop()
                guard let target = stack.last else { throw bad("BUILD on an empty stack", opStart) }
                switch target {
                case .box, .tensor: break
                default: throw bad("BUILD on a \(describe(target))", opStart)
                }
            case 0x51: // BINPERSID
                guard case .box(let pid) = try pop(), pid.kind == .tuple else { throw bad("persistent id is not a tuple", opStart) }
                try push(.storage(try persistentLoad(pid.items)))
            default:
                throw bad("opcode 0x\(String(op, radix: 16)) is not allowed in a weights-only file", opStart)
            }
        }
    }

    private func peek() throws(PyTorchFileError) -> Item {
        guard let top = stack.last else { throw bad("PUT on an empty stack") }
        if case .mark = top { throw bad("PUT of a mark") }
        return top
    }

    private func append(_ v: Item, to box: Box) throws(PyTorchFileError) {
        if case .mark = v { throw bad("a mark inside a container") }
        box.items.append(v)
    }

    /// A little-endian two's-complement integer of `n` bytes that must fit 64 bits.
    private mutating func long(_ n: Int) throws(PyTorchFileError) -> Int64 {
        guard n <= 8 else { throw bad("integer of \(n) bytes does not fit 64 bits") }
        if n == 0 { return 0 }
        var v = try unsigned(n)
        if n < 8, v & (1 << (UInt64(n) * 8 - 1)) != 0 { v |= ~0 << (UInt64(n) * 8) }   // sign-extend
        return Int64(bitPattern: v)
    }

    private func describe(_ item: Item) -> String {
        switch item {
        case .global(let m, let n): return "\(m).\(n)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .box(let b): return "\(b.kind)"
        default: return "plain value"
        }
    }

    // MARK: - Globals

    /// Callables the pickle may REDUCE with, and storage classes and dtypes it may name.
    private static let callables: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "_codecs.encode",
    ]
    private static let dtypeNames: Set<String> = [
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int",
        "int16", "short", "int8", "uint8", "bool",
    ]

    private func global(_ module: String, _ name: String) throws(PyTorchFileError) -> Item {
        let full = module + "." + name
        if Self.callables.contains(full) { return .global(module: module, name: name) }
        if module == "torch", TorchDType.ofStorageClass(name) != nil || Self.dtypeNames.contains(name) {
            return .global(module: module, name: name)
        }
        throw .disallowedGlobal(path: path, module: module, name: name)
    }

    private mutating func reduce(_ callable: Item, _ args: [Item], _ offset: Int) throws(PyTorchFileError) -> Item {
        guard case .global(let module, let name) = callable else { throw bad("REDUCE of a \(describe(callable))", offset) }
        switch module + "." + name {
        case "collections.OrderedDict":
            guard args.isEmpty else { throw bad("OrderedDict with arguments", offset) }
            return newBox(.dict)
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset64) = args[1] else {
                throw bad("tensor rebuild arguments are not (storage, offset, size, stride, ...)", offset)
            }
            let shape = try intTuple(args[2], "size", offset), strides = try intTuple(args[3], "stride", offset)
            guard shape.count == strides.count, shape.count <= 32 else { throw bad("tensor has \(shape.count) sizes and \(strides.count) strides", offset) }
            guard offset64 >= 0, offset64 < 1 << 48 else { throw bad("tensor storage offset \(offset64)", offset) }
            return .tensor(TensorSpec(storage: storage, offset: Int(offset64), shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let first = args.first, case .tensor = first else { throw bad("parameter rebuild without a tensor", offset) }
            return first
        case "_codecs.encode":
            guard args.count == 2, case .string(let s) = args[0], case .string(let encoding) = args[1] else {
                throw bad("_codecs.encode needs (str, encoding)", offset)
            }
            switch encoding {
            case "latin1", "latin-1", "iso-8859-1":
                var out: [UInt8] = []
                for scalar in s.unicodeScalars {
                    guard scalar.value < 256 else { throw bad("latin1 text holds U+\(String(scalar.value, radix: 16))", offset) }
                    out.append(UInt8(scalar.value))
                }
                return .bytes(out)
            case "utf-8", "utf8": return .bytes(Array(s.utf8))
            default: throw bad("_codecs.encode with encoding '\(encoding)'", offset)
            }
        default:
            throw bad("\(module).\(name) cannot be called", offset)
        }
    }

    private func intTuple(_ item: Item, _ what: String, _ offset: Int) throws(PyTorchFileError) -> [Int] {
        guard case .box(let b) = item, b.kind == .tuple else { throw bad("tensor \(what) is not a tuple", offset) }
        var out: [Int] = []
        for v in b.items {
            guard case .int(let i) = v, i >= 0, i < 1 << 48 else { throw bad("tensor \(what) holds a non-count value", offset) }
            out.append(Int(i))
        }
        return out
    }

    /// Breaks every box's references, without recursion: pickles may build cycles and deep chains,
    /// whose recursive release would overflow the stack.
    mutating func dismantle() {
        for b in boxes { b.items.removeAll() }
        boxes.removeAll()
        stack.removeAll()
        memo.removeAll()
    }
}
