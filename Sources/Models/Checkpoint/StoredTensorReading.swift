/// Reads each selected tensor out of its storage. `storageBytes` returns a saved storage's raw
/// bytes (all of its `count` elements, in `byteOrder`); errors name the tensor.
func readTensors(_ selected: [(name: String, tensor: TensorReference)], byteOrder: ByteOrder,
                 storageBytes: (StorageReference) throws -> UnsafeRawBufferPointer) throws -> [(String, StoredTensor)] {
    try selected.map { name, reference in
        try within("tensor '\(name)'") {
            let bytes = try storageBytes(reference.storage)
            let values: [Float]
            switch byteOrder {
            case .little:
                values = try gatherTensor(reference, from: bytes)
            case .big:
                values = try byteSwapped(bytes, elementSize: reference.storage.dtype.size).withUnsafeBytes {
                    try gatherTensor(reference, from: $0)
                }
            }
            return (name, StoredTensor(shape: reference.shape, values: values, dtype: reference.storage.dtype.rawValue))
        }
    }
}
