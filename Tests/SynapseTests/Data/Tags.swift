import Testing

extension Tag {
    /// Tests that read real datasets installed on the machine (skipped when they are absent).
    @Tag static var realData: Self
}
