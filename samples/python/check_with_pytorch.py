# Independent check in PyTorch (Debian python3-torch): load shrink4j's exported safetensors by hand,
# run LeNet-5 built in torch.nn (at the widths a shrunk file records in its layer_widths metadata), measure
# Fashion-MNIST test accuracy.
import gzip, json, struct, sys
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
def load(p):
    b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n]); d = b[8 + n:]
    meta = h.pop('__metadata__', {}); dt = {'F32': np.float32, 'I8': np.int8, 'U8': np.uint8, 'I32': np.int32, 'I64': np.int64, 'F64': np.float64}
    return {k: torch.from_numpy(np.frombuffer(d[v['data_offsets'][0]:v['data_offsets'][1]], dtype=dt[v['dtype']]).reshape(v['shape']).copy()) for k, v in h.items()}, meta
class LeNet5(nn.Module):
    def __init__(s, c1=6, c2=16, h1=120, h2=84):
        super().__init__(); s.conv1 = nn.Conv2d(1, c1, 5, padding=2); s.conv2 = nn.Conv2d(c1, c2, 5)
        s.fc1 = nn.Linear(c2 * 25, h1); s.fc2 = nn.Linear(h1, h2); s.fc3 = nn.Linear(h2, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.conv1(x)), 2); x = F.max_pool2d(F.relu(s.conv2(x)), 2)
        x = torch.flatten(x, 1); return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x)))))
def idx(p):
    b = gzip.open(p).read(); nd = b[3]; dims = struct.unpack('>' + 'I' * nd, b[4:4 + 4 * nd])
    return np.frombuffer(b[4 + 4 * nd:], dtype=np.uint8).reshape(dims)
X = torch.from_numpy(idx('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz').astype(np.float32) / 255.).unsqueeze(1)
Y = torch.from_numpy(idx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz').astype(np.int64))
for path in sys.argv[1:]:
    sd, meta = load(path)
    w = json.loads(meta.get('layer_widths', '{}'))
    widths = (w['conv1']['out_channels'], w['conv2']['out_channels'], w['fc1']['out_features'], w['fc2']['out_features']) if w else ()
    m = LeNet5(*widths); m.load_state_dict(sd, strict=True); m.eval()
    mean = json.loads(meta['input_mean'])[0]; std = json.loads(meta['input_std'])[0]
    with torch.no_grad():
        acc = (m((X - mean) / std).argmax(1) == Y).float().mean().item()
    nz = sum(int((t != 0).sum()) for t in sd.values())
    print(f"{path}: torch {torch.__version__} accuracy {100 * acc:.2f}%  nonzero params {nz}  ({meta.get('contents')})")
