import Foundation

/// A folder holds one artefact of atlas (a collection, an index or a palette), marked by its
/// description file: a command refuses to write one kind into another's folder, where their
/// files would mix (an index's resume would read a collection's shards as its own).
public enum ArtefactFolder {
    /// The description file of each kind, and how errors name it.
    public static let collection = "collection.json", index = "index.json", palette = "palette.json"
    private static let kinds = [collection: "a collection", index: "an index", palette: "a palette"]

    /// Throws when `folder` holds an artefact other than the one `marker` names.
    public static func check(_ folder: String, willHold marker: String) throws {
        for (other, kind) in kinds where other != marker {
            if FileManager.default.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent(other).path) {
                throw ArtefactFolderError(file: folder, problem: "holds \(kind) (\(other)); \(kinds[marker] ?? marker) needs a folder "
                    + "of its own: choose another output folder")
            }
        }
    }
}

/// An output folder that holds another kind of artefact.
public struct ArtefactFolderError: FileProblem {
    public let file: String
    public let problem: String
}
