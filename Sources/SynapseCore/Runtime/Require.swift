/// Stops with `message` when `condition` is false: how Synapse reports programming errors (shape
/// mismatches, invalid arguments).
///
/// Unlike `precondition`, whose message is dropped in optimised (`-O`) builds, this keeps the
/// message — naming the op and the shapes — in release builds, where users run their models.
@inlinable
package func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}

/// Stops unconditionally with `message` (see `require`).
@inlinable
package func requireFailure(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message(), file: file, line: line)
}
