import SynapseCore

/// Random permutations for shuffling datasets.
public enum Permutation {
    /// `0..<count` in an order drawn from `generator` by Fisher-Yates (every order equally likely).
    public static func shuffled(_ count: Int, using generator: RandomGenerator) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = generator.nextInt(below: i + 1)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}
