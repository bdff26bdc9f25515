/// A value on the stack of `SafeUnpickler`: the few Python types a state-dict pickle builds, plus
/// the allow-listed torch globals and what calling them means (a storage, a tensor).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int`, as LONG1/LONG4 store it: little-endian two's complement.
    case wideInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(StorageReference)
    case tensor(TensorReference)

    /// The items of a tuple; nil for anything else.
    var tupleItems: [PickleValue]? {
        if case .tuple(let tuple) = self { return tuple.items }
        return nil
    }

    /// How deeply containers nest inside this value (0 for a scalar). Bounded by
    /// `maximumNesting`, so that neither reading the value nor freeing it can recurse deeply.
    var nesting: Int {
        switch self {
        case .tuple(let tuple): tuple.nesting
        case .list(let list): list.nesting
        case .dict(let dict): dict.nesting
        default: 0
        }
    }

    /// The deepest nesting of containers accepted; state dicts nest a few levels.
    static let maximumNesting = 100

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .wideInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let global): "global \(global.qualifiedName)"
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }
}

/// A Python tuple, with its nesting depth computed once (tuples never change).
struct PickleTuple {
    let items: [PickleValue]
    let nesting: Int

    init(_ items: [PickleValue]) throws {
        self.items = items
        nesting = try nestingOfContainer(holding: items)
    }
}

/// The nesting of a container holding `items`, marking nested lists and dicts as such.
private func nestingOfContainer(holding items: [PickleValue]) throws -> Int {
    var nesting = 1
    for item in items {
        nesting = max(nesting, item.nesting + 1)
        switch item {
        case .list(let list): list.isNested = true
        case .dict(let dict): dict.isNested = true
        default: break
        }
    }
    guard nesting <= PickleValue.maximumNesting else {
        throw FormatProblem("containers nest deeper than \(PickleValue.maximumNesting) levels")
    }
    return nesting
}

/// A Python list. A class because pickles fill lists in place after memoizing them. Pickles fill
/// a container before placing it inside another; one that changes afterwards is refused, which
/// keeps `nesting` exact.
final class PickleList {
    private(set) var items: [PickleValue] = []
    private(set) var nesting = 1
    fileprivate(set) var isNested = false

    func append(contentsOf newItems: [PickleValue]) throws {
        guard !isNested else { throw FormatProblem("a list changes after being placed in another container") }
        // A list in itself would be a reference cycle that ARC never frees. Longer cycles cannot
        // form: a container placed in another one no longer changes.
        guard !newItems.contains(where: { if case .list(let item) = $0 { item === self } else { false } }) else {
            throw FormatProblem("a list contains itself")
        }
        nesting = max(nesting, try nestingOfContainer(holding: newItems))
        items.append(contentsOf: newItems)
    }
}

/// A Python dict that keeps insertion order (as `dict` and `OrderedDict` both do). A class
/// because pickles fill dicts in place after memoizing them; see `PickleList` on nesting.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private(set) var nesting = 1
    fileprivate(set) var isNested = false
    private var positions: [Key: Int] = [:]

    /// The hashable keys a state dict can use.
    private enum Key: Hashable {
        case none, int(Int), string(String)
    }

    /// Sets `key` to `value`, replacing an earlier value in place as Python does.
    func set(_ key: PickleValue, _ value: PickleValue) throws {
        guard !isNested else { throw FormatProblem("a dict changes after being placed in another container") }
        // As for lists: a dict in itself would be a reference cycle never freed.
        if case .dict(let item) = value, item === self { throw FormatProblem("a dict contains itself") }
        nesting = max(nesting, try nestingOfContainer(holding: [value]))
        let hashable: Key
        switch key {
        case .none: hashable = .none
        case .bool(let flag): hashable = .int(flag ? 1 : 0)
        case .int(let number): hashable = .int(number)
        case .string(let text): hashable = .string(text)
        default: throw FormatProblem("dict keys of type \(key.typeName) are not supported")
        }
        if let position = positions[hashable] {
            entries[position].value = value
        } else {
            positions[hashable] = entries.count
            entries.append((key, value))
        }
    }
}
