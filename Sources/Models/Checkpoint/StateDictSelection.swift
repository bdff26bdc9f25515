/// Which tensors of a checkpoint's root object form its state dict, and their names.
///
/// - A root dict that holds a tensor directly is the state dict.
/// - Otherwise the first of the wrapper keys `state_dict`, `model_state_dict`, `model`,
///   `module`, `net` whose value is a dict holding tensors is (training checkpoints such as
///   `{"epoch": 3, "state_dict": {...}, "optimizer": {...}}`); its key is not part of the names.
/// - Otherwise every tensor reachable from the root is.
///
/// Dicts inside the chosen one are flattened, their keys joined with "." (`{"encoder": {"w": t}}`
/// gives `encoder.w`); values that are neither tensors nor dicts (numbers, strings, lists) are
/// skipped.
enum StateDictSelection {
    static let wrapperKeys = ["state_dict", "model_state_dict", "model", "module", "net"]

    static func tensors(in root: PickleValue) throws -> [(name: String, tensor: TensorReference)] {
        guard case .dict(let dict) = root else {
            throw FormatProblem("the checkpoint holds a \(root.typeName), expected a dict of tensors")
        }
        let holdsTensor = dict.entries.contains { if case .tensor = $0.value { true } else { false } }
        if !holdsTensor {
            for wrapper in wrapperKeys {
                guard let entry = dict.entries.first(where: { name(of: $0.key) == wrapper }),
                      case .dict(let inner) = entry.value else { continue }
                let found = try flatten(inner)
                if !found.isEmpty { return found }
            }
        }
        let found = try flatten(dict)
        guard !found.isEmpty else {
            throw FormatProblem("the checkpoint's dict holds no tensors (keys: \(dict.entries.prefix(10).map { name(of: $0.key) }))")
        }
        return found
    }

    private static func flatten(_ dict: PickleDict) throws -> [(name: String, tensor: TensorReference)] {
        var found: [(name: String, tensor: TensorReference)] = []
        var seen: Set<String> = []
        var open: Set<ObjectIdentifier> = []
        func visit(_ dict: PickleDict, prefix: String) throws {
            guard open.insert(ObjectIdentifier(dict)).inserted else {
                throw FormatProblem("dict '\(prefix)' contains itself")
            }
            defer { open.remove(ObjectIdentifier(dict)) }
            for (key, value) in dict.entries {
                let path = prefix.isEmpty ? name(of: key) : prefix + "." + name(of: key)
                switch value {
                case .tensor(let tensor):
                    guard seen.insert(path).inserted else { throw FormatProblem("tensor name '\(path)' appears twice") }
                    found.append((path, tensor))
                case .dict(let inner):
                    try visit(inner, prefix: path)
                default:
                    continue
                }
            }
        }
        try visit(dict, prefix: "")
        return found
    }

    private static func name(of key: PickleValue) -> String {
        switch key {
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): flag ? "True" : "False"
        default: "None"
        }
    }
}
