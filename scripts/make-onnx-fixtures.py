#!/usr/bin/env python3
"""Makes the ONNX import fixtures in Tests/SynapseTests/Fixtures/onnx/ with PyTorch's own exporter.

Run once by hand with the PyTorch venv (never in CI):

    /root/torchenv/bin/python scripts/make-onnx-fixtures.py

For every small model it writes NAME.onnx (exported by `torch.onnx.export`) and NAME.safetensors
holding the example input(s) (`input`, `input1`, ...) and PyTorch's output(s) (`output`, ...). Most
models are exported by the classic TorchScript exporter (`dynamo=False`: what most users' files come
from); the `*_dynamo` fixtures come from the torch.export-based exporter (PyTorch 2.9+'s default).

The reproduction (issue 11, "done when"): a CNN with exactly the architecture and state-dict keys of
Synapse's `CNNClassifier` is trained for one epoch on Fashion-MNIST (the IDX files of Debian's
dataset-fashion-mnist), saved as `cnn_fashion.pt` (torch.save of the state dict) and
`cnn_fashion.onnx`, with its test-set predictions (10000 uint8 labels) and its test accuracy in
`cnn_fashion_predictions.safetensors`.
"""
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "SynapseTests", "Fixtures", "onnx")
FASHION = "/usr/share/datasets/fashion-mnist"
OPSET = 17


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Activations(nn.Module):
    """Element-wise operators with constant operands and the activations (Gelu is exported as Erf
    arithmetic by opset 17's classic exporter)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 10)
        self.fc2 = nn.Linear(10, 10)
        self.fc3 = nn.Linear(10, 5)

    def forward(self, x):
        h = nn.functional.gelu(self.fc1(x))
        h = torch.tanh(h) + torch.sigmoid(h) * 2.0 - nn.functional.leaky_relu(h, 0.1) / 3.0
        h = self.fc2(h)
        h = torch.sqrt(h * h + 1.0) + torch.exp(-h.abs()) + torch.log(h.pow(2) + 2.0)
        return torch.log_softmax(self.fc3(h), dim=-1) + torch.softmax(h[:, :5], dim=1)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2, dilation=1, groups=2, padding=1)
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = torch.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


class ConvMix(nn.Module):
    """Conv1d, ConvTranspose2d, AvgPool2d, GlobalAveragePool, InstanceNorm and a Reshape to 1-D."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)
        self.pool = nn.AvgPool2d(2)
        self.norm = nn.InstanceNorm2d(3, affine=True)
        self.conv1d = nn.Conv1d(3, 4, 3, padding=2, dilation=2)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        x = self.norm(self.pool(self.up(x)))          # [N, 3, 6, 6]
        x = x.reshape(x.shape[0], 3, -1)              # [N, 3, 36]
        x = torch.relu(self.conv1d(x))                # [N, 4, 36]
        x = nn.functional.adaptive_avg_pool1d(x, 1)   # GlobalAveragePool
        return self.fc(x.squeeze(-1))


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class GRUModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5, num_layers=2, batch_first=True)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out)


class RNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(3, 4, batch_first=False)

    def forward(self, x):
        out, h = self.rnn(x)
        return out


class TransformerModel(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.encoder(x))


class EmbeddingModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20, 6)
        self.norm = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 4)

    def forward(self, tokens):
        return self.fc(self.norm(self.embedding(tokens)).mean(dim=1))


class BidirectionalRecurrent(nn.Module):
    """A two-layer bidirectional LSTM feeding a bidirectional GRU (ONNX's direction="bidirectional")."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        self.gru = nn.GRU(8, 3, bidirectional=True, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        out, h = self.gru(out)
        return out, h


class TinyGPT(nn.Module):
    """A causal pre-norm Transformer language model like Synapse's GPTLanguageModel: token and learned
    position embeddings, a causal mask, GELU feed-forward, a tied-free head."""

    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(11, 8)
        self.position_embedding = nn.Embedding(6, 8)
        layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 11)

    def forward(self, tokens):
        t = tokens.shape[1]
        positions = torch.arange(t, device=tokens.device)
        x = self.token_embedding(tokens) + self.position_embedding(positions)
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        return self.head(self.norm(self.blocks(x, mask=mask, is_causal=True)))


class MixedOps(nn.Module):
    """Operators the other fixtures do not reach: Split, a reversing Slice, Where, Expand, batched
    MatMul broadcasting, ReduceSum, Max/Min, ceil-mode and padded pooling, a tensor exponent."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Parameter(torch.randn(4, 3))

    def forward(self, x):                              # x: [N, 2, 4, 4]
        a, b = torch.split(x, 1, dim=1)                # Split
        flipped = torch.flip(a, dims=[3])              # Slice with step -1
        mixed = torch.where(b > 0, flipped, b * 0.5)   # Greater, Where
        pooled = nn.functional.max_pool2d(mixed, 3, stride=2, ceil_mode=True)            # [N, 1, 2, 2]
        averaged = nn.functional.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        rows = averaged.reshape(x.shape[0], 2, 4, 4) @ self.proj  # batched MatMul [N, 2, 4, 3]
        total = rows.sum(dim=-1, keepdim=True)                     # ReduceSum
        clipped = torch.maximum(torch.minimum(total, torch.tensor(1.0)), torch.tensor(-1.0))
        powered = torch.pow(x.abs() + 1.0, clipped.expand(-1, -1, -1, 4))
        return powered.flatten(1) + pooled.flatten(1).mean(dim=1, keepdim=True)


class CNNClassifier(nn.Module):
    """Synapse's CNNClassifier, layer by layer and key by key (`features.0.weight`, `features.3.weight`,
    `classifier.0.weight`, `classifier.2.weight`): Conv(1,32,3,pad 1)-ReLU-MaxPool2 →
    Conv(32,64,3,pad 1)-ReLU-MaxPool2 → flatten (C, H, W order) → Linear(3136,128)-ReLU → Linear(128,10)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def export(model, inputs, name, dynamo=False, dynamic=True):
    model.eval()
    with torch.no_grad():
        outputs = model(*inputs)
    if not isinstance(outputs, tuple):
        outputs = (outputs,)
    input_names = ["input"] + [f"input{i}" for i in range(1, len(inputs))]
    output_names = ["output"] + [f"output{i}" for i in range(1, len(outputs))]
    path = os.path.join(OUT, name + ".onnx")
    if dynamo:
        shapes = tuple({0: torch.export.Dim("batch", min=1, max=1024)} for _ in inputs) if dynamic else None
        torch.onnx.export(model, inputs, path, dynamo=True, external_data=False, opset_version=18,
                          input_names=input_names, output_names=output_names, dynamic_shapes=shapes)
    else:
        axes = {n: {0: "batch"} for n in input_names + output_names} if dynamic else None
        torch.onnx.export(model, inputs, path, dynamo=False, opset_version=OPSET,
                          input_names=input_names, output_names=output_names, dynamic_axes=axes)
    tensors = {}
    for n, t in zip(input_names, inputs):
        tensors[n] = t.contiguous()
    for n, t in zip(output_names, outputs):
        tensors[n] = t.contiguous()
    save_file(tensors, os.path.join(OUT, name + ".safetensors"))
    print(f"{name}: {os.path.getsize(path)} bytes, outputs {[tuple(o.shape) for o in outputs]}")


def randomize_batch_norm(model):
    """Non-trivial running statistics, so inference batch norm is really tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def reproduction():
    torch.manual_seed(0)
    train_x = torch.from_numpy(read_idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    train_y = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    test_x = torch.from_numpy(read_idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    test_y = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = CNNClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    order = torch.randperm(len(train_x))
    for step, start in enumerate(range(0, len(train_x), 128)):
        idx = order[start:start + 128]
        loss = nn.functional.cross_entropy(model(train_x[idx]), train_y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(test_x[i:i + 1000]) for i in range(0, len(test_x), 1000)])
    predictions = logits.argmax(dim=1)
    accuracy = (predictions == test_y).float().mean().item()
    top2 = logits.topk(2, dim=1).values
    gap = (top2[:, 0] - top2[:, 1]).min().item()
    print(f"test accuracy {accuracy:.4f}, smallest top-1/top-2 logit gap {gap:.2e}")
    torch.save(model.state_dict(), os.path.join(OUT, "cnn_fashion.pt"))
    torch.onnx.export(model, (test_x[:2],), os.path.join(OUT, "cnn_fashion.onnx"), dynamo=False,
                      opset_version=OPSET, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    correct = int((predictions == test_y).sum().item())
    save_file({"predictions": predictions.to(torch.uint8).contiguous(),
               "correct": torch.tensor([correct], dtype=torch.int64),
               "accuracy": torch.tensor([accuracy], dtype=torch.float32)},
              os.path.join(OUT, "cnn_fashion_predictions.safetensors"))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1234)
    export(MLP(), (torch.randn(3, 8),), "mlp")
    export(MLP(), (torch.randn(3, 8),), "mlp_dynamo", dynamo=True)
    export(Activations(), (torch.randn(4, 6),), "activations")
    cnn = SmallCNN()
    randomize_batch_norm(cnn)
    export(cnn, (torch.randn(2, 1, 8, 8),), "cnn")
    export(cnn, (torch.randn(2, 1, 8, 8),), "cnn_dynamo", dynamo=True)
    export(ConvMix(), (torch.randn(2, 2, 6, 6),), "convmix")
    export(LSTMModel(), (torch.randn(2, 5, 4),), "lstm")
    export(GRUModel(), (torch.randn(2, 5, 4),), "gru")
    export(RNNModel(), (torch.randn(5, 2, 3),), "rnn", dynamic=False)
    export(TransformerModel(), (torch.randn(2, 5, 8),), "transformer")
    export(EmbeddingModel(), (torch.randint(0, 20, (3, 7)),), "embedding")
    export(BidirectionalRecurrent(), (torch.randn(2, 5, 3),), "birnn")
    export(TinyGPT(), (torch.randint(0, 11, (2, 6)),), "gpt")
    export(MixedOps(), (torch.randn(2, 2, 4, 4),), "mixed")
    if "--skip-reproduction" not in sys.argv:
        reproduction()


if __name__ == "__main__":
    main()
