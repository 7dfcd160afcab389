# Reference values for shrink4j's distillation losses and connectors (distill module tests).
# Each formula is written out here from its paper / MMRazor's documented definition, in float64, and
# evaluated with Debian's PyTorch (python3-torch 1.13): /usr/bin/python3 samples/python/distill_reference.py
# The tests quote what this prints: the loss value, the gradient at the first and the last element of the
# student input, and the L2 norm of the whole gradient.
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
S = ((torch.arange(24) * 7) % 11).reshape(4, 6) / 2 - 2.5          # student logits (issue 15)
T = ((torch.arange(24) * 5 + 3) % 13).reshape(4, 6) / 2 - 3.0      # teacher logits
FS = (((torch.arange(96) * 7) % 11) / 4 - 1.25).reshape(2, 3, 4, 4)  # student feature map
FT = (((torch.arange(96) * 5 + 3) % 13) / 4 - 1.5).reshape(2, 3, 4, 4)
LABELS = torch.tensor([1, 4, 0, 5])


def report(name, fn, s, t, wrt_teacher=False):
    s = s.clone().requires_grad_(True)
    t = t.clone().requires_grad_(True)
    value = fn(s, t)
    if value.dim() > 0:
        print(f"{name}: shape {list(value.shape)} first {value.flatten()[0].item()!r} last {value.flatten()[-1].item()!r}")
        return
    value.backward()
    g = (t if wrt_teacher else s).grad
    print(f"{name}: value {value.item()!r} grad[first] {g.flatten()[0].item()!r} grad[last] {g.flatten()[-1].item()!r}"
          f" |grad| {g.norm().item()!r}")


def kl(logp_s, p_t, reduction):
    pointwise = torch.xlogy(p_t, p_t) - p_t * logp_s
    n = logp_s.shape[0]
    return {'batchmean': pointwise.sum() / n, 'mean': pointwise.mean(), 'sum': pointwise.sum(), 'none': pointwise}[reduction]


def kld(tau=1.0, w=1.0, reduction='batchmean', detach=True):
    def f(s, t):
        tt = t.detach() if detach else t
        return w * tau ** 2 * kl(torch.log_softmax(s / tau, 1), torch.softmax(tt / tau, 1), reduction)
    return f


def cwd(tau=1.0, w=1.0):
    def f(s, t):
        n, c, h, wd = s.shape
        ps = torch.log_softmax(s.reshape(-1, h * wd) / tau, 1)
        pt = torch.softmax(t.reshape(-1, h * wd) / tau, 1)
        return w * tau ** 2 * (pt * (torch.log(pt) - ps)).sum() / (n * c)
    return f


def l2(w=1.0, normalize=True, mult=1.0, div_element=False, dist=False):
    def f(s, t):
        if normalize:
            s = s.reshape(s.shape[0], -1); s = s / s.norm(dim=1, keepdim=True) * mult
            t = t.reshape(t.shape[0], -1); t = t / t.norm(dim=1, keepdim=True) * mult
        loss = ((s - t) ** 2).sum()
        loss = loss.sqrt() if dist else loss / s.numel() if div_element else loss / s.shape[0]
        return w * loss
    return f


def l1(w=1.0, reduction='mean'):
    def f(s, t):
        d = (s - t).abs()
        return w * {'mean': d.mean(), 'sum': d.sum(), 'none': d}[reduction]
    return f


def ab(w=1.0, margin=1.0):
    def f(s, t):
        loss = (s + margin) ** 2 * ((s > -margin) & (t <= 0)) + (s - margin) ** 2 * ((s <= margin) & (t > 0))
        return w * loss.sum() / s.shape[0] / 1000 * 3
    return f


def unit_rows(x, eps=1e-12):
    return x / x.norm(dim=1, keepdim=True).clamp_min(eps)


def at(w=1.0):
    def attention(x):
        return unit_rows(x.pow(2).mean(1).reshape(x.shape[0], -1))
    return lambda s, t: w * (attention(s) - attention(t)).pow(2).mean()


def dkd(tau=1.0, alpha=1.0, beta=1.0, w=1.0, reduction='batchmean', labels=LABELS):
    def f(s, t):
        gt = F.one_hot(labels, s.shape[1]).to(torch.bool)
        ps, pt = torch.softmax(s / tau, 1), torch.softmax(t / tau, 1)
        bs = torch.stack([(ps * gt).sum(1), (ps * ~gt).sum(1)], 1)
        bt = torch.stack([(pt * gt).sum(1), (pt * ~gt).sum(1)], 1)
        tckd = kl(torch.log(bs), bt, reduction) * tau ** 2
        nckd = kl(torch.log_softmax(s / tau - 1000.0 * gt, 1), torch.softmax(t / tau - 1000.0 * gt, 1), reduction) * tau ** 2
        return w * (alpha * tckd + beta * nckd)
    return f


def dist(inter=1.0, intra=1.0, tau=1.0, w=1.0):
    def pearson(a, b, eps=1e-8):
        a = a - a.mean(1, keepdim=True); b = b - b.mean(1, keepdim=True)
        return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)

    def f(s, t):
        ys, yt = torch.softmax(s / tau, 1), torch.softmax(t.detach() / tau, 1)
        inter_loss = tau ** 2 * (1 - pearson(ys, yt).mean())
        intra_loss = tau ** 2 * (1 - pearson(ys.t(), yt.t()).mean())
        return w * (inter * inter_loss + intra * intra_loss)
    return f


def ofd(w=1.0, mul_factor=1000.0):
    return lambda s, t: w * (((s - t) ** 2) * ((s > t) | (t > 0))).sum() / s.shape[0] / mul_factor


def ft(w=1.0):
    return lambda s, t: w * (unit_rows(s.reshape(s.shape[0], -1)) - unit_rows(t.reshape(t.shape[0], -1))).abs().mean()


def wsld(tau=1.0, w=1.0, num_classes=6, labels=LABELS):
    def f(s, t):
        ce = -(torch.softmax(t / tau, 1) * torch.log_softmax(s / tau, 1)).sum(1, keepdim=True)
        onehot = F.one_hot(labels, num_classes).to(s.dtype)
        ce_s = -(onehot * torch.log_softmax(s.detach(), 1)).sum(1, keepdim=True)
        ce_t = -(onehot * torch.log_softmax(t.detach(), 1)).sum(1, keepdim=True)
        focal = 1 - torch.exp(-torch.clamp_min(ce_s / (ce_t + 1e-7), 0))
        return w * tau ** 2 * (focal * ce).mean()
    return f


def smooth_l1(a, b):
    d = (a - b).abs()
    return torch.where(d < 1, 0.5 * d ** 2, d - 0.5).mean()


def pdist(x):
    sq = x.pow(2).sum(1)
    d = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * x @ x.t()).clamp_min(1e-12).sqrt()
    return d * (1 - torch.eye(x.shape[0]))


def rkd_distance(w=25.0, l2_norm=True):
    def f(s, t):
        s = s.reshape(s.shape[0], -1); t = t.reshape(t.shape[0], -1)
        if l2_norm:
            s, t = unit_rows(s), unit_rows(t)
        dt = pdist(t); dt = dt / dt[dt > 0].mean()
        ds = pdist(s); ds = ds / ds[ds > 0].mean()
        return w * smooth_l1(ds, dt)
    return f


def rkd_angle(w=50.0, l2_norm=True):
    def angles(x):
        e = x.unsqueeze(0) - x.unsqueeze(1)
        e = e / e.norm(dim=2, keepdim=True).clamp_min(1e-12)
        return torch.bmm(e, e.transpose(1, 2)).reshape(-1)

    def f(s, t):
        s = s.reshape(s.shape[0], -1); t = t.reshape(t.shape[0], -1)
        if l2_norm:
            s, t = unit_rows(s), unit_rows(t)
        return w * smooth_l1(angles(s), angles(t))
    return f


print("# losses")
report("KLDivergence tau=4 w=0.5 (issue golden)", kld(4, 0.5), S, T)
report("KLDivergence defaults", kld(), S, T)
report("KLDivergence tau=2 mean", kld(2, 1, 'mean'), S, T)
report("KLDivergence tau=2 sum", kld(2, 1, 'sum'), S, T)
report("KLDivergence tau=2 none", kld(2, 1, 'none'), S, T)
report("KLDivergence tau=2 teacher_detach=false, grad wrt T", kld(2, 1, detach=False), S, T, wrt_teacher=True)
report("ChannelWiseDivergence tau=4 (issue golden)", cwd(4), FS, FT)
report("ChannelWiseDivergence tau=1 w=3", cwd(1, 3), FS, FT)
report("L2Loss defaults 4-D", l2(), FS, FT)
report("L2Loss normalize=false w=2", l2(2, normalize=False), FS, FT)
report("L2Loss mult=3 div_element", l2(mult=3, div_element=True), FS, FT)
report("L2Loss dist", l2(dist=True), FS, FT)
report("L1Loss defaults", l1(), FS, FT)
report("L1Loss sum w=0.5", l1(0.5, 'sum'), FS, FT)
report("ABLoss defaults", ab(), FS, FT)
report("ABLoss margin=0.5 w=2", ab(2, 0.5), FS, FT)
report("ATLoss defaults", at(), FS, FT)
report("ATLoss w=1000", at(1000), FS, FT)
report("DKDLoss defaults", dkd(), S, T)
report("DKDLoss tau=2 alpha=0.5 beta=8 batchmean", dkd(2, 0.5, 8), S, T)
report("DKDLoss tau=2 alpha=0.5 beta=8 mean", dkd(2, 0.5, 8, reduction='mean'), S, T)
report("DKDLoss tau=2 alpha=0.5 beta=8 sum", dkd(2, 0.5, 8, reduction='sum'), S, T)
report("DISTLoss defaults", dist(), S, T)
report("DISTLoss inter=2 intra=0.5 tau=4 w=2", dist(2, 0.5, 4, 2), S, T)
report("OFDLoss defaults", ofd(), FS, FT)
report("OFDLoss w=0.25 mul_factor=10", ofd(0.25, 10), FS, FT)
report("FTLoss defaults", ft(), FS, FT)
report("WSLD num_classes=6", wsld(), S, T)
report("WSLD tau=2 w=2.5 num_classes=6", wsld(2, 2.5), S, T)
report("DistanceWiseRKD defaults", rkd_distance(), S, T)
report("DistanceWiseRKD with_l2_norm=false w=1", rkd_distance(1, False), S, T)
report("DistanceWiseRKD 4-D features [4, 3, 2, 4]", rkd_distance(), FS.reshape(4, 3, 2, 4), FT.reshape(4, 3, 2, 4))
report("AngleWiseRKD defaults", rkd_angle(), S, T)
report("AngleWiseRKD with_l2_norm=false w=1", rkd_angle(1, False), S, T)


# ---------------------------------------------------------------- layers and connectors
# Parameters are filled by one formula in both languages: the i-th tensor of the state dict (in
# state-dict order) holds ((arange(n) * (2i + 3)) % 11 − 5) / 20; buffers keep their defaults.
import torch.nn as nn


def fill(module):
    with torch.no_grad():
        for i, (_, p) in enumerate(module.named_parameters()):
            p.copy_((((torch.arange(p.numel()) * (2 * i + 3)) % 11 - 5) / 20).reshape(p.shape))
    return module


def summary(name, y):
    f = y.detach().flatten()
    print(f"{name}: shape {list(y.shape)} sum {f.sum().item()!r} norm {f.norm().item()!r} first {f[0].item()!r}"
          f" last {f[-1].item()!r}")


X = (((torch.arange(2 * 3 * 4 * 4) * 5) % 9) / 3 - 1).reshape(2, 3, 4, 4)   # connector input [2,3,4,4]
print("# layers and connectors")
summary("ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)",
        fill(nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1))(X))
summary("LeakyReLU(0.1)", nn.LeakyReLU(0.1)(X))


class ConvModule(nn.Module):  # mmcv's ConvModule as ConvModuleConnector builds it: conv → norm → act
    def __init__(self, cin, cout, k=1, padding=0, norm=False, act=None, order=('conv', 'norm', 'act')):
        super().__init__()
        self.order = order
        self.conv = nn.Conv2d(cin, cout, k, padding=padding, bias=not norm)
        if norm:
            self.bn = nn.BatchNorm2d(cout if order.index('norm') > order.index('conv') else cin)
        self.activate = act

    def forward(self, x):
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and hasattr(self, 'bn'):
                x = self.bn(x)
            elif layer == 'act' and self.activate is not None:
                x = self.activate(x)
        return x


summary("ConvModuleConnector(3, 4, k=3, pad=1, BN, ReLU) train", fill(ConvModule(3, 4, 3, 1, True, nn.ReLU()))(X))
summary("ConvModuleConnector(3, 4) default (bias, ReLU)", fill(ConvModule(3, 4, act=nn.ReLU()))(X))
summary("ConvModuleConnector(3, 4, BN, LeakyReLU(0.2), order act-norm-conv: BN over the 3 input channels) train",
        fill(ConvModule(3, 4, norm=True, act=nn.LeakyReLU(0.2), order=('act', 'norm', 'conv')))(X))


def encoder(cin, cout, bn):
    return nn.Sequential(nn.Conv2d(cin, cin, 3, 1, 1), nn.BatchNorm2d(cin) if bn else nn.Sequential(), nn.LeakyReLU(0.1),
                         nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout) if bn else nn.Sequential(), nn.LeakyReLU(0.1),
                         nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout) if bn else nn.Sequential(), nn.LeakyReLU(0.1))


def decoder(cin, cout, bn):
    return nn.Sequential(nn.ConvTranspose2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout) if bn else nn.Sequential(), nn.LeakyReLU(0.1),
                         nn.ConvTranspose2d(cout, cin, 3, 1, 1), nn.BatchNorm2d(cin) if bn else nn.Sequential(), nn.LeakyReLU(0.1),
                         nn.ConvTranspose2d(cin, cin, 3, 1, 1), nn.BatchNorm2d(cin) if bn else nn.Sequential(), nn.LeakyReLU(0.1))


class Translator(nn.Module):
    def __init__(self, cin, cout, bn=True):
        super().__init__()
        self.encoder = encoder(cin, cout, bn)

    def forward(self, x):
        return self.encoder(x)


class Paraphraser(nn.Module):
    def __init__(self, cin, cout, bn=False):
        super().__init__()
        self.encoder = encoder(cin, cout, bn)
        self.decoder = decoder(cin, cout, bn)


summary("Translator(3, 5) use_bn train", fill(Translator(3, 5))(X))
p = fill(Paraphraser(3, 5))
summary("Paraphraser(3, 5) pretrain: decoder(encoder(x))", p.decoder(p.encoder(X)))
summary("Paraphraser(3, 5) train: encoder(x)", p.encoder(X))

gamma = torch.tensor([1.0, -0.5, 0.5, 0.1])
beta = torch.tensor([0.5, -1.0, 3.0, -0.4])
margins = []
for s, m in zip(gamma.abs().tolist(), beta.tolist()):
    cdf = 0.5 * math.erfc((m / s) / math.sqrt(2))          # Φ(−m/s)
    pdf = math.exp(-(m / s) ** 2 / 2) / math.sqrt(2 * math.pi)
    margins.append(m - s * pdf / cdf if cdf > 0.001 else -3 * s)
print(f"OFDTeacherConnector margins for gamma {gamma.tolist()} beta {beta.tolist()}: {margins!r}")
M = torch.tensor(margins).reshape(1, 4, 1, 1)
X4 = (((torch.arange(2 * 4 * 2 * 2) * 5) % 9) / 3 - 1.5).reshape(2, 4, 2, 2)
summary("OFDTeacherConnector forward max(x, margin)", torch.max(X4, M))

summary("avg_pool2d(kernel_size=2)", F.avg_pool2d(X, 2))
summary("avg_pool2d(kernel_size=3, stride=1, padding=1, count_include_pad=False)",
        F.avg_pool2d(X, 3, stride=1, padding=1, count_include_pad=False))
summary("max_pool2d(kernel_size=2, stride=1)", F.max_pool2d(X, 2, stride=1))
summary("adaptive_avg_pool2d(output_size=[1, 2])", F.adaptive_avg_pool2d(X, [1, 2]))
summary("adaptive_max_pool2d(output_size=2)", F.adaptive_max_pool2d(X, 2))
summary("interpolate(size=7) nearest", F.interpolate(X, size=7))
summary("interpolate(scale_factor=1.5) nearest", F.interpolate(X, scale_factor=1.5))
summary("interpolate(size=[6, 8], bilinear)", F.interpolate(X, size=[6, 8], mode='bilinear'))
summary("interpolate(scale_factor=2, bilinear, align_corners)", F.interpolate(X, scale_factor=2, mode='bilinear', align_corners=True))
summary("normalize(dim=1)", F.normalize(X, dim=1))
summary("softmax(dim=1)", F.softmax(X, dim=1))
summary("flatten(start_dim=1)", torch.flatten(X, 1))
