import Testing

/// Parent of every suite that loads real datasets or trains for long. Its suites run one at a time:
/// they each hold hundreds of MB and saturate both cores, and the memory-stability test measures the
/// process's peak RSS, which a concurrently loading suite would distort.
@Suite(.serialized, .tags(.realData))
enum RealDataSuite {}
