/// What one pickle decodes to: its root object, and every storage its persistent ids named,
/// by key.
struct UnpickledObject {
    let root: PickleValue
    let storages: [String: StorageReference]
}

/// An interpreter of the pickle opcodes (protocols 2-5) that PyTorch state dicts use. Globals are
/// resolved only through the allow-list in `PickleGlobal`, persistent ids only as storages, and
/// opcodes outside this subset (INST, OBJ, NEWOBJ, EXT*, text opcodes, sets, buffers) are refused,
/// so a file can never make this run anything. Every read is bounds-checked.
struct SafeUnpickler {
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var storages: [String: StorageReference] = [:]

    /// Reads one pickle starting at `reader`'s position, leaving the reader just past its STOP.
    static func load(from reader: inout ByteReader) throws -> UnpickledObject {
        var machine = SafeUnpickler()
        while true {
            let start = reader.position
            let opcode = try reader.byte("a pickle opcode")
            do {
                if let root = try machine.execute(opcode, &reader) {
                    return UnpickledObject(root: root, storages: machine.storages)
                }
            } catch let problem as FormatProblem {
                throw FormatProblem("\(problem.message) (opcode \(describe(opcode)) at byte \(start))")
            }
        }
    }

    /// Runs one opcode; returns the root object at STOP.
    private mutating func execute(_ opcode: UInt8, _ reader: inout ByteReader) throws -> PickleValue? {
        switch opcode {
        case 0x80:  // PROTO
            let version = try reader.byte("PROTO")
            guard version <= 5 else { throw FormatProblem("pickle protocol \(version) is newer than 5") }
        case 0x95:  // FRAME: only a hint for buffered readers
            _ = try reader.take(8, "FRAME")
        case 0x2e:  // STOP
            guard marks.isEmpty, stack.count == 1 else {
                throw FormatProblem("STOP with \(stack.count) values and \(marks.count) marks on the stack, expected one value")
            }
            return stack[0]
        case 0x28: marks.append(stack.count)  // MARK
        case 0x30: _ = try pop()  // POP
        case 0x31: _ = try popToMark()  // POP_MARK
        case 0x32: stack.append(try top())  // DUP
        case 0x4e: stack.append(.none)  // NONE
        case 0x88: stack.append(.bool(true))  // NEWTRUE
        case 0x89: stack.append(.bool(false))  // NEWFALSE
        case 0x4a: stack.append(.int(Int(try reader.integer(Int32.self, .little, "BININT"))))
        case 0x4b: stack.append(.int(Int(try reader.byte("BININT1"))))
        case 0x4d: stack.append(.int(Int(try reader.integer(UInt16.self, .little, "BININT2"))))
        case 0x8a:  // LONG1
            let count = Int(try reader.byte("LONG1 length"))
            stack.append(Self.integer(littleEndian: try reader.take(count, "LONG1")))
        case 0x8b:  // LONG4
            let count = Int(try reader.integer(Int32.self, .little, "LONG4 length"))
            stack.append(Self.integer(littleEndian: try reader.take(count, "LONG4")))
        case 0x47:  // BINFLOAT, big-endian
            stack.append(.float(Double(bitPattern: try reader.integer(UInt64.self, .big, "BINFLOAT"))))
        case 0x58:  // BINUNICODE
            let count = Int(try reader.integer(UInt32.self, .little, "BINUNICODE length"))
            stack.append(.string(try Self.utf8(try reader.take(count, "BINUNICODE"))))
        case 0x8c:  // SHORT_BINUNICODE
            let count = Int(try reader.byte("SHORT_BINUNICODE length"))
            stack.append(.string(try Self.utf8(try reader.take(count, "SHORT_BINUNICODE"))))
        case 0x8d:  // BINUNICODE8
            let count = try reader.integer(UInt64.self, .little, "BINUNICODE8 length")
            stack.append(.string(try Self.utf8(try reader.take(Int(clamping: count), "BINUNICODE8"))))
        case 0x54:  // BINSTRING (Python 2 str)
            let count = Int(try reader.integer(Int32.self, .little, "BINSTRING length"))
            stack.append(.string(Self.python2String(try reader.take(count, "BINSTRING"))))
        case 0x55:  // SHORT_BINSTRING
            let count = Int(try reader.byte("SHORT_BINSTRING length"))
            stack.append(.string(Self.python2String(try reader.take(count, "SHORT_BINSTRING"))))
        case 0x42:  // BINBYTES
            let count = Int(try reader.integer(UInt32.self, .little, "BINBYTES length"))
            stack.append(.bytes(Array(try reader.take(count, "BINBYTES"))))
        case 0x43:  // SHORT_BINBYTES
            let count = Int(try reader.byte("SHORT_BINBYTES length"))
            stack.append(.bytes(Array(try reader.take(count, "SHORT_BINBYTES"))))
        case 0x8e:  // BINBYTES8
            let count = try reader.integer(UInt64.self, .little, "BINBYTES8 length")
            stack.append(.bytes(Array(try reader.take(Int(clamping: count), "BINBYTES8"))))
        case 0x29: stack.append(.tuple(try PickleTuple([])))  // EMPTY_TUPLE
        case 0x74: stack.append(.tuple(try PickleTuple(try popToMark())))  // TUPLE
        case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
            let count = Int(opcode - 0x84)
            guard stack.count - (marks.last ?? 0) >= count else {
                throw FormatProblem("TUPLE\(count) needs \(count) values on the stack")
            }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            stack.append(.tuple(try PickleTuple(items)))
        case 0x5d: stack.append(.list(PickleList()))  // EMPTY_LIST
        case 0x6c:  // LIST
            let list = PickleList()
            try list.append(contentsOf: try popToMark())
            stack.append(.list(list))
        case 0x61:  // APPEND
            let item = try pop()
            try list(on: try top()).append(contentsOf: [item])
        case 0x65:  // APPENDS
            let items = try popToMark()
            try list(on: try top()).append(contentsOf: items)
        case 0x7d: stack.append(.dict(PickleDict()))  // EMPTY_DICT
        case 0x64:  // DICT
            let dict = PickleDict()
            try set(try popToMark(), in: dict)
            stack.append(.dict(dict))
        case 0x73:  // SETITEM
            let value = try pop()
            let key = try pop()
            try dict(on: try top()).set(key, value)
        case 0x75:  // SETITEMS
            let items = try popToMark()
            try set(items, in: try dict(on: try top()))
        case 0x71: memo[Int(try reader.byte("BINPUT"))] = try top()
        case 0x72: memo[Int(try reader.integer(UInt32.self, .little, "LONG_BINPUT"))] = try top()
        case 0x94: memo[memo.count] = try top()  // MEMOIZE
        case 0x68: stack.append(try recall(Int(try reader.byte("BINGET"))))
        case 0x6a: stack.append(try recall(Int(try reader.integer(UInt32.self, .little, "LONG_BINGET"))))
        case 0x63:  // GLOBAL: "module\nname\n"
            let module = try Self.line(&reader)
            let name = try Self.line(&reader)
            stack.append(.global(try PickleGlobal(module: module, name: name)))
        case 0x93:  // STACK_GLOBAL
            let name = try pop()
            let module = try pop()
            guard case .string(let moduleName) = module, case .string(let globalName) = name else {
                throw FormatProblem("STACK_GLOBAL needs two strings, found \(module.typeName) and \(name.typeName)")
            }
            stack.append(.global(try PickleGlobal(module: moduleName, name: globalName)))
        case 0x52:  // REDUCE
            let arguments = try pop()
            let callable = try pop()
            guard case .global(let function) = callable, let items = arguments.tupleItems else {
                throw FormatProblem("REDUCE needs a global and an argument tuple, found \(callable.typeName) and \(arguments.typeName)")
            }
            stack.append(try function.call(items))
        case 0x62:  // BUILD: sets attributes such as a state dict's `_metadata`, which are not needed
            _ = try pop()
            switch try top() {
            case .dict, .tensor: break
            case let other: throw FormatProblem("BUILD on \(other.typeName) is not supported")
            }
        case 0x51:  // BINPERSID
            let storage = try StorageReference(persistentID: try pop())
            if let known = storages[storage.key], known.dtype != storage.dtype || known.count != storage.count {
                throw FormatProblem("storage '\(storage.key)' is named both as \(known.count) \(known.dtype.rawValue) and as \(storage.count) \(storage.dtype.rawValue) elements")
            }
            storages[storage.key] = storage
            stack.append(.storage(storage))
        default:
            throw FormatProblem("this opcode is not supported: state dicts do not use it")
        }
        return nil
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw FormatProblem("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw FormatProblem("stack underflow") }
        return value
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw FormatProblem("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func recall(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw FormatProblem("memo entry \(index) was never stored") }
        return value
    }

    private func list(on value: PickleValue) throws -> PickleList {
        guard case .list(let list) = value else { throw FormatProblem("APPEND on \(value.typeName), expected a list") }
        return list
    }

    private func dict(on value: PickleValue) throws -> PickleDict {
        guard case .dict(let dict) = value else { throw FormatProblem("SETITEM on \(value.typeName), expected a dict") }
        return dict
    }

    private func set(_ items: [PickleValue], in dict: PickleDict) throws {
        guard items.count % 2 == 0 else { throw FormatProblem("odd number of items (\(items.count)) for a dict") }
        for pair in stride(from: 0, to: items.count, by: 2) {
            try dict.set(items[pair], items[pair + 1])
        }
    }

    /// A little-endian two's-complement integer of any width.
    private static func integer(littleEndian bytes: UnsafeRawBufferPointer) -> PickleValue {
        guard let last = bytes.last else { return .int(0) }
        let fill: UInt8 = last & 0x80 == 0 ? 0 : 0xff
        guard bytes.count <= 8 || bytes[8...].allSatisfy({ $0 == fill }) && (bytes[7] & 0x80 == fill & 0x80) else {
            return .wideInt(Array(bytes))
        }
        var value: UInt64 = 0
        for index in 0..<8 {
            value |= UInt64(index < bytes.count ? bytes[index] : fill) << (8 * index)
        }
        return .int(Int(Int64(bitPattern: value)))
    }

    private static func utf8(_ bytes: UnsafeRawBufferPointer) throws -> String {
        guard let text = validUTF8(bytes) else { throw FormatProblem("string is not valid UTF-8") }
        return text
    }

    /// Python 2 `str` bytes: UTF-8 where valid (ASCII always is), otherwise Latin-1.
    private static func python2String(_ bytes: UnsafeRawBufferPointer) -> String {
        validUTF8(bytes) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// The text, or nil when decoding had to replace invalid bytes.
    private static func validUTF8(_ bytes: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    /// A GLOBAL operand: text up to a newline, at most 256 bytes.
    private static func line(_ reader: inout ByteReader) throws -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try reader.byte("a GLOBAL name")
            if byte == 0x0a { break }
            guard bytes.count < 256 else { throw FormatProblem("GLOBAL name longer than 256 bytes") }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The opcode's byte and, for printable ones, its character: `0x52 'R'`.
    private static func describe(_ opcode: UInt8) -> String {
        let hex = "0x" + String(opcode, radix: 16)
        return (0x21...0x7e).contains(opcode) ? "\(hex) '\(Character(Unicode.Scalar(opcode)))'" : hex
    }
}
