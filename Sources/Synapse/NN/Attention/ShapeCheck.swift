/// Stops the program with `message` when `condition` is false.
///
/// Used for the shape checks of the normalisation, attention and transformer layers instead of
/// `precondition`, whose message is dropped in optimised (`-c release`) builds: here the message
/// (naming the layer, the expected and the actual shape) is printed in every build configuration.
@inline(__always)
func shapeCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
