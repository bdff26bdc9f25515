/// The format `torch.save` wrote before PyTorch 1.6 (and with `_use_new_zipfile_serialization=
/// False`): five pickles, then the raw storages.
///
/// 1. the magic number 0x1950a86a20f9469cfc6c; 2. the protocol version 1001; 3. a sys_info dict
/// (`little_endian`, type sizes); 4. the object, whose tensors name storages by persistent id;
/// 5. the list of storage keys. Then, for each key in that order, an int64 element count and the
/// raw elements.
enum LegacyTorchFile {
    /// 0x1950a86a20f9469cfc6c as LONG1 stores it (little-endian).
    static let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    static func read(_ bytes: UnsafeRawBufferPointer) throws -> [(String, StoredTensor)] {
        var reader = ByteReader(bytes)
        let magicNumber = try within("magic-number pickle") { try SafeUnpickler.load(from: &reader).root }
        guard case .wideInt(let found) = magicNumber, found == magic else {
            throw FormatProblem("bad magic number: not a PyTorch checkpoint (the first pickle holds \(describe(magicNumber)), expected 0x1950a86a20f9469cfc6c)")
        }
        let version = try within("protocol-version pickle") { try SafeUnpickler.load(from: &reader).root }
        guard case .int(1001) = version else {
            throw FormatProblem("unsupported legacy protocol version \(describe(version)), expected 1001")
        }
        let byteOrder = try within("sys_info pickle") { try Self.byteOrder(SafeUnpickler.load(from: &reader).root) }
        let object = try within("state-dict pickle") { try SafeUnpickler.load(from: &reader) }
        let keys = try within("storage-key pickle") { try storageKeys(SafeUnpickler.load(from: &reader).root) }

        var storages: [String: UnsafeRawBufferPointer] = [:]
        for key in keys {
            try within("storage '\(key)'") {
                guard let storage = object.storages[key] else {
                    throw FormatProblem("listed in the file but used by no tensor, so its element type is unknown")
                }
                let count = try reader.integer(Int64.self, byteOrder, "the element count record")
                guard count == storage.count else {
                    throw FormatProblem("the element count record says \(count), the tensors' pickle says \(storage.count) \(storage.dtype.rawValue) elements")
                }
                storages[key] = try reader.take(try storage.byteCount(), "\(storage.count) \(storage.dtype.rawValue) elements")
            }
        }
        let selected = try StateDictSelection.tensors(in: object.root)
        return try readTensors(selected, byteOrder: byteOrder) { storage in
            guard let bytes = storages[storage.key] else {
                throw FormatProblem("storage key '\(storage.key)' is missing from the file's storage list")
            }
            return bytes
        }
    }

    private static func byteOrder(_ sysInfo: PickleValue) throws -> ByteOrder {
        guard case .dict(let dict) = sysInfo else { throw FormatProblem("expected a dict, found \(sysInfo.typeName)") }
        for (key, value) in dict.entries {
            if case .string("little_endian") = key, case .bool(let little) = value { return little ? .little : .big }
        }
        throw FormatProblem("no 'little_endian' entry")
    }

    private static func storageKeys(_ list: PickleValue) throws -> [String] {
        guard case .list(let keys) = list else { throw FormatProblem("expected a list of keys, found \(list.typeName)") }
        return try keys.items.map {
            switch $0 {
            case .string(let key): return key
            case .int(let key): return String(key)
            default: throw FormatProblem("a storage key is \($0.typeName), expected str")
            }
        }
    }

    /// A short rendering of a scalar for error messages.
    private static func describe(_ value: PickleValue) -> String {
        switch value {
        case .int(let number): String(number)
        case .wideInt(let bytes): "0x" + bytes.reversed().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case .string(let text): "'\(text.prefix(40))'"
        default: "a \(value.typeName)"
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
