/// What a reader did with one mutated file.
enum FuzzVerdict: Equatable {
    /// The reader threw a typed error: the corruption was caught.
    case rejected
    /// The reader accepted the file and what it read is still right (the mutation was harmless,
    /// or touched bytes that the format cannot check, such as unchecksummed tensor values).
    case accepted
    /// The reader accepted a corrupted file and returned something wrong: a defect.
    case corruptionAccepted(String)
}

/// One reader of external files under mutation testing.
///
/// A target supplies real files as seeds and judges each mutant. It must never crash or hang on a
/// mutant: the runner runs targets in a child process and counts a dead or silent child as a crash or
/// a hang at the mutant it was reading.
protocol FuzzTarget: Sendable {
    /// Name used on the command line (`synapse-fuzz safetensors`).
    var name: String { get }
    /// Real files to mutate: built from the installed datasets or written by Synapse itself.
    func seeds() throws -> [[UInt8]]
    /// Reads `mutant` (derived from `original`) as a user's file would be read and judges the outcome.
    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict
}
