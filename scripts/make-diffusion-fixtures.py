#!/usr/bin/env python3
"""Writes the diffusers reference values of the DDPM and DDIM schedulers (issue 17 §2).

Run once with PyTorch and diffusers installed (never in CI):
    pip install diffusers   # 0.42.1 made the committed file
    python3 scripts/make-diffusion-fixtures.py
It writes Tests/SynapseTests/Fixtures/diffusion/schedulers.safetensors. For each case `name`:
- `name.alphas_cumprod`, `name.betas` (float64): the training schedule (1000 steps);
- `name.timesteps` (int64): the inference timesteps after `set_timesteps`;
- `name.x0`, `name.noise`, `name.t`, `name.noisy`: `add_noise(x0, noise, t)` for a batch of timesteps;
- `name.velocity`: `get_velocity(x0, noise, t)` (the v-prediction target);
- `name.step.*`: one `step` of the sampler: its inputs (`model_output`, `sample`, `t`, and the
  `variance_noise` the sampler draws) and its outputs (`prev_sample`, `pred_original_sample`).
Cases: DDPM with linear and cosine (`squaredcos_cap_v2`) betas, epsilon and v-prediction, sample
clipping on and off, 50 inference steps; DDIM with eta 0 and 1 (and one case with clipping), 50 steps.
"""
import os

import torch
from safetensors.torch import save_file
from diffusers import DDIMScheduler, DDPMScheduler
import diffusers.schedulers.scheduling_ddpm as ddpm_module
import diffusers.schedulers.scheduling_ddim as ddim_module

torch.manual_seed(2)
out = {}
shape = (2, 1, 4, 5)


def record(name, scheduler, module, steps, step_t_index, eta=None):
    scheduler.set_timesteps(steps)
    out[f"{name}.betas"] = scheduler.betas.double()
    out[f"{name}.alphas_cumprod"] = scheduler.alphas_cumprod.double()
    out[f"{name}.timesteps"] = scheduler.timesteps.to(torch.int64)
    x0 = torch.rand(shape, dtype=torch.float64) * 2 - 1
    noise = torch.randn(shape, dtype=torch.float64)
    t = torch.tensor([3, 777], dtype=torch.int64)
    out[f"{name}.x0"], out[f"{name}.noise"], out[f"{name}.t"] = x0, noise, t
    out[f"{name}.noisy"] = scheduler.add_noise(x0, noise, t)
    out[f"{name}.velocity"] = scheduler.get_velocity(x0, noise, t)
    for which, index in [("a", step_t_index), ("last", steps - 1)]:
        model_output = torch.randn(shape, dtype=torch.float64)
        sample = torch.randn(shape, dtype=torch.float64) * 1.5
        variance_noise = torch.randn(shape, dtype=torch.float64)
        timestep = int(scheduler.timesteps[index])
        kwargs = {} if eta is None else {"eta": eta, "variance_noise": variance_noise}
        if eta is None:
            original = module.randn_tensor
            module.randn_tensor = lambda *a, **k: variance_noise.clone()
        try:
            result = scheduler.step(model_output, timestep, sample, **kwargs)
        finally:
            if eta is None:
                module.randn_tensor = original
        prefix = f"{name}.step.{which}"
        out[prefix + ".model_output"], out[prefix + ".sample"] = model_output, sample
        out[prefix + ".variance_noise"] = variance_noise
        out[prefix + ".t"] = torch.tensor([timestep], dtype=torch.int64)
        out[prefix + ".prev_sample"] = result.prev_sample
        out[prefix + ".pred_original_sample"] = result.pred_original_sample


for schedule in ["linear", "squaredcos_cap_v2"]:
    for prediction in ["epsilon", "v_prediction"]:
        for clip in [True, False]:
            name = f"ddpm.{schedule}.{prediction}.{'clip' if clip else 'noclip'}"
            s = DDPMScheduler(num_train_timesteps=1000, beta_schedule=schedule, prediction_type=prediction, clip_sample=clip)
            record(name, s, ddpm_module, 50, 20)
for schedule in ["linear", "squaredcos_cap_v2"]:
    for prediction in ["epsilon", "v_prediction"]:
        for eta in [0.0, 1.0]:
            name = f"ddim.{schedule}.{prediction}.eta{int(eta)}"
            s = DDIMScheduler(num_train_timesteps=1000, beta_schedule=schedule, prediction_type=prediction, clip_sample=False)
            record(name, s, ddim_module, 50, 20, eta=eta)
s = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", prediction_type="epsilon", clip_sample=True)
record("ddim.linear.epsilon.eta1.clip", s, ddim_module, 50, 20, eta=1.0)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "diffusion", "schedulers.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
save_file({k: v.contiguous() for k, v in out.items()}, path)
print("wrote", os.path.normpath(path), len(out), "tensors")
