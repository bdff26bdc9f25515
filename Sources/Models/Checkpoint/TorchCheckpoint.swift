import ArrayFiles
import Foundation

/// Reads PyTorch checkpoints natively, without Python: the legacy format (`torch.save` before
/// 1.6), the zip format (`torch.save` since 1.6) and safetensors, told apart by their first bytes.
///
/// Pickles are interpreted by `SafeUnpickler`, which only accepts the globals a state dict needs
/// (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and kin, `torch.*Storage`)
/// and refuses any other (`os.system`, `__main__.Net`, ...) with an error naming it; nothing in
/// a file is ever executed.
///
/// Which tensors are returned: a root dict holding tensors is the state dict; otherwise the dict
/// under the first of `state_dict`, `model_state_dict`, `model`, `module`, `net` that holds
/// tensors; otherwise every tensor reachable from the root. Nested dicts are flattened with "."
/// (see `StateDictSelection`). Tensors honour their storage offset, size and stride and come out
/// contiguous in C order, converted to Float, with the stored dtype's name kept.
///
/// Errors (`CheckpointError`) name the file and, where one is concerned, the tensor or storage
/// key: a truncated file, a bad magic number, an element count that disagrees with the pickle,
/// a tensor reaching past its storage, a missing storage, a compressed zip entry.
public enum TorchCheckpoint {
    public static func load(_ path: String) throws -> StateDict {
        let data: Data
        do {
            data = try RegularFile.read(path, kind: "checkpoint", limit: RegularFile.checkpointLimit)
        } catch let error as FileReadError {
            throw CheckpointError(file: path, problem: error.problem)
        }
        do {
            let entries = try data.withUnsafeBytes(decode)
            return StateDict(path: path, entries: entries.map { (name: $0.0, tensor: $0.1) })
        } catch let problem as FormatProblem {
            throw CheckpointError(file: path, problem: problem.message)
        }
    }

    /// The named tensors of a checkpoint held in memory.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> [(String, StoredTensor)] {
        if ZipArchive.looksLikeZip(bytes) {
            return try ZipTorchFile.read(bytes)
        }
        if bytes.first == 0x80 {  // pickle PROTO
            return try LegacyTorchFile.read(bytes)
        }
        if SafetensorsFile.looksLikeSafetensors(bytes) {
            return try SafetensorsFile.read(bytes)
        }
        let start = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        throw FormatProblem("not a PyTorch checkpoint: the file starts with bytes [\(start)], expected a pickle (legacy torch.save), a zip archive (torch.save since 1.6) or a safetensors header")
    }
}
