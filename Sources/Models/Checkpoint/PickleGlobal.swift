/// The allow-list of Python globals a state-dict pickle may name. Any other global
/// (`os.system`, `builtins.eval`, `__main__.Net`, ...) is refused when the GLOBAL opcode names
/// it; nothing named in a file is ever imported or run: REDUCE applies the fixed meaning below.
enum PickleGlobal {
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`
    case rebuildTensorV2
    /// `torch._utils._rebuild_tensor(storage, offset, size, stride)` (old checkpoints)
    case rebuildTensor
    /// `torch._utils._rebuild_parameter(tensor, requires_grad, hooks)`
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(tensor, requires_grad, hooks, state)`
    case rebuildParameterWithState
    /// `torch.FloatStorage` and its siblings, named in persistent ids.
    case storageType(StorageDType)

    init(module: String, name: String) throws {
        if module == "torch", let dtype = StorageDType(storageClassName: name) {
            self = .storageType(dtype)
            return
        }
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        default:
            throw FormatProblem("refused global '\(module).\(name)': a state dict may only name "
                + "collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_tensor / "
                + "_rebuild_parameter and torch.*Storage types; nothing in the file is executed")
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: "torch._utils._rebuild_tensor"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .storageType(let dtype): "torch.\(dtype.storageClassName)"
        }
    }

    /// What REDUCE makes of calling this global with `arguments`.
    func call(_ arguments: [PickleValue]) throws -> PickleValue {
        func expect(_ counts: ClosedRange<Int>) throws {
            guard counts.contains(arguments.count) else {
                throw FormatProblem("\(qualifiedName) called with \(arguments.count) arguments, expected \(counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound)-\(counts.upperBound)")")
            }
        }
        switch self {
        case .orderedDict:
            try expect(0...0)
            return .dict(PickleDict())
        case .rebuildTensorV2:
            try expect(6...7)
            return .tensor(try TensorReference(arguments: arguments))
        case .rebuildTensor:
            try expect(4...4)
            return .tensor(try TensorReference(arguments: arguments))
        case .rebuildParameter, .rebuildParameterWithState:
            try expect(self == .rebuildParameter ? 3...3 : 4...4)
            guard case .tensor = arguments[0] else {
                throw FormatProblem("\(qualifiedName) expects a tensor, found \(arguments[0].typeName)")
            }
            return arguments[0]
        case .storageType:
            throw FormatProblem("calling \(qualifiedName) is not supported (storages come from persistent ids)")
        }
    }
}

extension PickleGlobal: Equatable {}
