import Testing
@testable import SynapseCore
@Test func smoke() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGrad()
    let b = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1]).requiringGrad()
    let c = matmul(a, b)
    print(c)
    let l = (relu(c) * c).sum()
    l.backward()
    print(a.grad!, b.grad!)
    print(softmax(a, dim: 1), logSoftmax(a, dim: 0))
    print(Tensor.randn([3, 4]))
    print(a.T.contiguous(), a.max(dim: 1).indices, a.variance(dim: 1, unbiased: false))
    print(exp(Tensor([-1, 0, 1, 80])), log(Tensor([0.001, 1, 10, 0])), tanh(Tensor([0.1, -0.5, 2, -8])), gelu(Tensor([-1, 0.5, 3])))
    print(Tensor.cat([a, a], dim: 0), Tensor.stack([a, a], dim: 1).shape, a.padded([1, 1], value: 9))
}
