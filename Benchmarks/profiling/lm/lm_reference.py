import sys, time, torch, torch.nn as nn, torch.nn.functional as F
which = sys.argv[1]; steps = int(sys.argv[2]); threads = int(sys.argv[3])
torch.set_num_threads(threads); torch.manual_seed(0)
V = 193
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln1 = nn.LayerNorm(128); s.qkv = nn.Linear(128, 384); s.proj = nn.Linear(128, 128)
        s.ln2 = nn.LayerNorm(128); s.fc1 = nn.Linear(128, 512); s.fc2 = nn.Linear(512, 128)
    def forward(s, x):
        B, L, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).view(B, L, 3, 4, 32).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, L, 128)
        x = x + s.proj(a)
        return x + s.fc2(F.gelu(s.fc1(s.ln2(x))))
class W5(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(V, 128); s.pos = nn.Parameter(torch.randn(128, 128) * .02)
        s.blocks = nn.ModuleList([Block() for _ in range(4)]); s.lnf = nn.LayerNorm(128); s.head = nn.Linear(128, V)
    def forward(s, x):
        h = s.emb(x) + s.pos
        for b in s.blocks: h = b(h)
        return s.head(s.lnf(h))
class W4(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(V, 64); s.lstm = nn.LSTM(64, 256, batch_first=True); s.head = nn.Linear(256, V)
    def forward(s, x): return s.head(s.lstm(s.emb(x))[0])
if which == "w4": m, B, T = W4(), 32, 64; opt = torch.optim.Adam(m.parameters(), 1e-3)
else: m, B, T = W5(), 16, 128; opt = torch.optim.AdamW(m.parameters(), 1e-3, weight_decay=0.01)
def step():
    x = torch.randint(0, V, (B, T)); y = torch.randint(0, V, (B * T,))
    loss = F.cross_entropy(m(x).reshape(-1, V), y)
    opt.zero_grad(); loss.backward(); opt.step(); return loss.item()
for _ in range(5): step()
res = []
for _ in range(3):
    t0 = time.perf_counter(); c0 = time.process_time()
    for _ in range(steps): step()
    dt = time.perf_counter() - t0; dc = time.process_time() - c0
    res.append(steps * B * T / (dc if threads == 1 else dt))
    print(f"torch {which} {threads}T: {dt/steps*1e3:.1f} ms/step wall {dc/steps*1e3:.1f} cpu; {steps*B*T/dt:.0f} tokens/s wall {steps*B*T/dc:.0f} cpu")
print(f"RESULT torch {which} {threads}T median {sorted(res)[1]:.0f} tokens/s")
