"""Fixtures for explainability: gradient attributions (Saliency, InputXGradient, IntegratedGradients,
SmoothGrad), Occlusion and Shapley values, computed with PyTorch and Captum on a seeded
CNNClassifier(channels: 1, size: 8, classes: 3, widths: [4, 8, 16]) and a seeded
MLPClassifier(inputSize: 8, hiddenSizes: [16], classes: 3) — the reference values of the Swift
attribution code. Parameter names are the Swift models' (`features.0.weight`, `layers.0.weight`, ...);
every attribution is taken on the logit of the given target.

Captum semantics checked here, each with an independent re-implementation that must agree:
- IntegratedGradients: attr = (x - b) * sum_k w_k * grad f(b + a_k (x - b)); for 'gausslegendre' the
  alphas are a_k = (1 + node_k) / 2 and the weights w_k = weight_k / 2 of numpy's leggauss on [-1, 1]
  (saved as ig_gausslegendre_{nodes,weights}_50, float32 and _f64); 'riemann_trapezoid' uses
  a = linspace(0, 1, n), w = 1/n with the first and last halved. delta = sum(attr) - (f(x) - f(b)).
- SmoothGrad: NoiseTunnel(Saliency) with nt_samples=8, stdevs=0.1 is run with its noise draw
  (NoiseTunnel._add_noise_to_input) monkeypatched to add our smoothgrad_noise (row i*8+k of its
  repeat_interleave'd batch gets smoothgrad_noise[k, i]); it must equal the plain mean of 8 Saliency maps.
- Occlusion: windows start at multiples of the stride, ceil((8 - w) / s) + 1 per axis, the last one
  cropped at the border (window 3, stride 2: starts 0, 2, 4, 6, the last covers 6..7 only); each pixel
  gets the mean of f(x) - f(x occluded) over the windows that cover it.
- Shapley: shap_exact is brute force over all 2^8 coalitions (interventional value function averaged
  over tab_background), checked for efficiency; Captum's KernelShap (sampled, seed 1) is saved too.

Writes Tests/SynapseTests/Fixtures/explain/attributions.safetensors. Run once, never in CI (the env needs
`pip install captum scikit-learn`; KernelShap fits its linear model with scikit-learn):
    PYTHONPATH=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages /root/torchenv/bin/python scripts/make-explain-fixtures.py
"""
import copy, math, os
import numpy as np
import torch
import torch.nn as nn
from captum.attr import (IntegratedGradients, InputXGradient, KernelShap, NoiseTunnel, Occlusion, Saliency)
from captum.attr._utils.approximation_methods import approximation_parameters
from safetensors.torch import save_file

torch.manual_seed(0)


class CNN(nn.Module):  # CNNClassifier's names
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(8 * 2 * 2, 16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class MLP(nn.Module):  # MLPClassifier's names
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, x):
        return self.layers(x)


# All random draws first, so that no Captum call can shift them.
cnn = CNN().eval()
x = torch.rand(4, 1, 8, 8)
t = torch.tensor([0, 1, 2, 1], dtype=torch.int64)
baseline = torch.rand(1, 1, 8, 8)
noise = 0.1 * torch.randn(8, 4, 1, 8, 8)
mlp = MLP().eval()
tab_x = torch.randn(3, 8)
tab_t = torch.tensor([0, 1, 2], dtype=torch.int64)
background = torch.randn(5, 8)

out = {**cnn.state_dict(), **mlp.state_dict()}
out.update(image_x=x, image_target=t, image_baseline=baseline, smoothgrad_noise=noise,
           tab_x=tab_x, tab_target=tab_t, tab_background=background)
with torch.no_grad():
    out["image_logits"], out["tab_logits"] = cnn(x), mlp(tab_x)
pick = lambda logits, target: logits.gather(1, target[:, None])[:, 0]


def close(name, a, b, tol=1e-5):
    err = (a - b).abs().max().item()
    assert err < tol, f"{name}: {err}"
    print(f"check {name}: max |diff| {err:.2e}")


# A. Gradient attributions.
sal = Saliency(cnn)
out["saliency"] = sal.attribute(x, target=t)
out["saliency_signed"] = sal.attribute(x, target=t, abs=False)
out["input_x_gradient"] = InputXGradient(cnn).attribute(x, target=t)
ig = IntegratedGradients(cnn)
for key, base, n, method in [("ig_gausslegendre_50", torch.zeros_like(x), 50, "gausslegendre"),
                             ("ig_trapezoid_32_baseline", baseline, 32, "riemann_trapezoid")]:
    out[key], out[key + "_delta"] = ig.attribute(x, baselines=base, target=t, n_steps=n, method=method,
                                                 return_convergence_delta=True)
    steps, alphas = approximation_parameters(method)
    path = torch.stack([base + a * (x - base) for a in alphas(n)]).requires_grad_(True)  # [n, 4, 1, 8, 8]
    pick(cnn(path.flatten(0, 1)), t.repeat(n)).sum().backward()
    ref = (x - base) * (torch.tensor(steps(n))[:, None, None, None, None] * path.grad).sum(0)
    close(key + " vs re-implementation", out[key], ref)
steps, alphas = approximation_parameters("gausslegendre")
for name, values in (("nodes", alphas(50)), ("weights", steps(50))):
    out[f"ig_gausslegendre_{name}_50_f64"] = torch.tensor(values, dtype=torch.float64)
    out[f"ig_gausslegendre_{name}_50"] = out[f"ig_gausslegendre_{name}_50_f64"].float()
nodes, weights = np.polynomial.legendre.leggauss(50)
close("gausslegendre alphas = (1 + node) / 2", out["ig_gausslegendre_nodes_50_f64"], torch.tensor((1 + nodes) / 2), 1e-15)
close("gausslegendre weights = weight / 2", out["ig_gausslegendre_weights_50_f64"], torch.tensor(weights / 2), 1e-15)

out["smoothgrad"] = torch.stack([sal.attribute(x + noise[k], target=t) for k in range(8)]).mean(0)
original = NoiseTunnel.__dict__["_add_noise_to_input"]
NoiseTunnel._add_noise_to_input = staticmethod(
    lambda inp, stdev, n: inp.repeat_interleave(n, dim=0) + noise.transpose(0, 1).reshape(-1, 1, 8, 8))
captum_sg = NoiseTunnel(sal).attribute(x, nt_type="smoothgrad", nt_samples=8, stdevs=0.1, target=t)
NoiseTunnel._add_noise_to_input = original
close("smoothgrad vs NoiseTunnel(Saliency) with our noise", out["smoothgrad"], captum_sg)


def occlusion_reference(w, s):
    total, count = torch.zeros_like(x), torch.zeros_like(x)
    with torch.no_grad():
        full = pick(cnn(x), t)
        for r in range(0, s * (math.ceil((8 - w) / s) + 1), s):
            for c in range(0, s * (math.ceil((8 - w) / s) + 1), s):
                mask = torch.zeros_like(x)
                mask[..., r:r + w, c:c + w] = 1
                total += (full - pick(cnn(x * (1 - mask)), t))[:, None, None, None] * mask
                count += mask
    return total / count


occ = Occlusion(cnn)
for w in (3, 2):
    key = f"occlusion_{w}_2"
    out[key] = occ.attribute(x, sliding_window_shapes=(1, w, w), strides=(1, 2, 2), baselines=0, target=t)
    close(key + " vs re-implementation (mean over covering windows)", out[key], occlusion_reference(w, 2))

# B. Shapley values of the MLP, exact by brute force (float64 copy of the model).
mlp64 = copy.deepcopy(mlp).double()
masks = torch.tensor([[(s >> j) & 1 for j in range(8)] for s in range(256)], dtype=torch.bool)  # bit j = feature j


def exact_shapley(bg):
    bg = bg.double()
    phi = torch.zeros(3, 8, dtype=torch.float64)
    weight = [math.factorial(k) * math.factorial(8 - k - 1) / math.factorial(8) for k in range(8)]
    for i in range(3):
        with torch.no_grad():
            z = torch.where(masks[:, None, :], tab_x[i].double(), bg[None])  # [256, B, 8]
            v = mlp64(z)[..., tab_t[i]].mean(1)  # v(S) for S = 0..255
        for s in range(256):
            for j in range(8):
                if not (s >> j) & 1:
                    phi[i, j] += weight[bin(s).count("1")] * (v[s | 1 << j] - v[s])
        fx = mlp64(tab_x[i:i + 1].double())[0, tab_t[i]].item()
        assert abs(phi[i].sum().item() - (fx - v[0].item())) < 1e-5, "efficiency"
    return phi.float()


out["shap_exact"] = exact_shapley(background)
out["shap_exact_single"] = exact_shapley(background[0:1])
print("check shapley efficiency: sum(phi) = f(x) - v(empty) to 1e-5 (both backgrounds)")
torch.manual_seed(1)
ks = KernelShap(mlp)
out["captum_kernelshap_single"] = torch.cat([ks.attribute(tab_x[i:i + 1], baselines=background[0:1],
                                                          target=int(tab_t[i]), n_samples=2000) for i in range(3)])
print("max |captum_kernelshap_single - shap_exact_single|:",
      f"{(out['captum_kernelshap_single'] - out['shap_exact_single']).abs().max().item():.3e}")
for key in ("ig_gausslegendre_50_delta", "ig_trapezoid_32_baseline_delta"):
    print(f"max |{key}|: {out[key].abs().max().item():.3e}")

out = {k: v.detach().contiguous() if v.dtype in (torch.int64, torch.float64) else v.detach().float().contiguous()
       for k, v in out.items()}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "explain", "attributions.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
save_file(out, path)
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
for k, v in sorted(out.items()):
    print(f"  {k}: {list(v.shape)} {v.dtype}")
