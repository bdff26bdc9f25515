/// The format of `torch.save` since PyTorch 1.6: a zip archive holding `<archive>/data.pkl` (the
/// object, its tensors naming storages by persistent id), `<archive>/data/<key>` (each storage's
/// raw elements), and `<archive>/byteorder` ("little" or "big"; absent means little).
enum ZipTorchFile {
    static func read(_ bytes: UnsafeRawBufferPointer) throws -> [(String, StoredTensor)] {
        let archive = try ZipArchive(bytes)
        let pickles = archive.names.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }
        guard pickles.count == 1, let pickleName = pickles.first, let pickleEntry = archive.entries[pickleName] else {
            throw FormatProblem(pickles.isEmpty
                ? "zip archive holds no '<archive>/data.pkl': not a torch.save checkpoint (entries: \(archive.names.prefix(8)))"
                : "zip archive holds several checkpoints: \(pickles)")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        let byteOrder = try Self.byteOrder(archive, prefix)
        var reader = ByteReader(try archive.storedBytes(pickleEntry))
        let object = try within("'\(pickleName)'") { try SafeUnpickler.load(from: &reader) }
        let selected = try StateDictSelection.tensors(in: object.root)
        return try readTensors(selected, byteOrder: byteOrder) { storage in
            let name = prefix + "data/" + storage.key
            guard let entry = archive.entries[name] else {
                throw FormatProblem("storage key '\(storage.key)' has no entry '\(name)' in the archive")
            }
            let data = try archive.storedBytes(entry)
            let expected = try storage.byteCount()
            guard data.count == expected else {
                throw FormatProblem("storage '\(storage.key)' holds \(data.count) bytes, but the pickle declares \(storage.count) \(storage.dtype.rawValue) elements (\(expected) bytes)")
            }
            return data
        }
    }

    private static func byteOrder(_ archive: ZipArchive, _ prefix: String) throws -> ByteOrder {
        guard let entry = archive.entries[prefix + "byteorder"] else { return .little }
        switch String(decoding: try archive.storedBytes(entry), as: UTF8.self) {
        case "little": return .little
        case "big": return .big
        case let other: throw FormatProblem("'\(entry.name)' says '\(other.prefix(20))', expected 'little' or 'big'")
        }
    }
}
