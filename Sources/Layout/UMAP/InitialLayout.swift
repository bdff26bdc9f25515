/// Where UMAP's optimisation starts, as umap-learn chooses it: the spectral layout of the
/// graph when it is connected, otherwise the principal components of the input (umap-learn
/// lays out each component spectrally; PCA keeps the components apart more cheaply), scaled
/// so the largest coordinate is 10, plus a little noise.
enum InitialLayout {
    enum Kind: String { case spectral, pca }

    static func make(_ graph: SparseGraph, points: Points, dimensions: Int,
                     random: inout SeededGenerator) -> (coordinates: [Float], kind: Kind) {
        var coordinates: [Float]
        let kind: Kind
        if graph.components().count == 1, graph.count > dimensions + 1 {
            coordinates = SpectralLayout.coordinates(graph, dimensions: dimensions, random: &random)
            kind = .spectral
        } else {
            coordinates = PrincipalComponents.project(points, dimensions: dimensions, random: &random)
            kind = .pca
        }
        let largest = coordinates.reduce(Float(0)) { max($0, abs($1)) }
        let expansion: Float = largest > 0 ? 10 / largest : 1
        for i in coordinates.indices {
            coordinates[i] = coordinates[i] * expansion + Float(random.normal()) * 1e-4
        }
        return (coordinates, kind)
    }
}
