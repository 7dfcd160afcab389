"""Regenerates the ONNX fixtures of OnnxImporterOpsTest with real PyTorch (Debian's python3-torch 1.13 and
python3-onnx): run with /usr/bin/python3 from this folder.

OpsNet uses the operators of the importer that torchvision's models do not: an input normalisation (Sub and Div
with per-channel constants), a strided convolution with a batch norm,
HardSwish, a dilated depthwise convolution, Clip with other bounds than (0, 6), a Sub with the constant first, Sigmoid, a residual Add, a grouped
(not depthwise) convolution, ShuffleNet's channel shuffle (Reshape, Transpose, Reshape, with the shape arithmetic
of x.size()), a squeeze-and-excitation gate (ReduceMean with keepdims, HardSigmoid, Mul of two computed values),
AveragePool with ceil mode without the padding in the mean, MaxPool with a rectangular window, Mul and Add with
constants, ReduceMean without keepdims plus GlobalAveragePool and a Reshape that flattens, MatMul + Add of parameters, Dropout and Gemm. It is exported three times:
opset 11 (HardSwish becomes HardSigmoid and Mul), opset 13 with batch norm kept, opset 17 the default way (batch
norm folded into the convolution, initializers named onnx::Conv_…). ops.json holds the input expression and
PyTorch's eval-mode logits.
"""
import json
import onnx, torch
import torch.nn as nn, torch.nn.functional as F


def channel_shuffle(x, groups):
    b, c, h, w = x.size()
    x = x.view(b, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(b, -1, h, w)


class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // 2, 1); self.fc2 = nn.Conv2d(c // 2, c, 1); self.gate = nn.Hardsigmoid()

    def forward(self, x):
        w = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.fc2(F.relu(self.fc1(w))))


class OpsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False); self.bn = nn.BatchNorm2d(8); self.act = nn.Hardswish()
        self.dw = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8)
        self.grouped = nn.Conv2d(8, 16, 1, groups=2)
        self.se = SE(16)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.rect = nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1))
        self.proj_w = nn.Parameter(torch.randn(16, 12) * 0.3); self.proj_b = nn.Parameter(torch.randn(12) * 0.1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(12, 10))

    def forward(self, x):
        x = (x - torch.tensor([0.4, 0.5, 0.6]).view(1, 3, 1, 1)) / torch.tensor([0.2, 0.25, 0.3]).view(1, 3, 1, 1)
        x = self.act(self.bn(self.stem(x)))
        x = 0.5 - torch.clamp(self.dw(x), -1.5, 2.0)
        x = torch.sigmoid(x) + x
        x = channel_shuffle(self.grouped(x), 2)
        x = self.se(x)
        x = self.rect(self.pool(x))
        x = x * 0.5 + 1.0
        x = x.mean((2, 3)) + F.adaptive_avg_pool2d(x, 1).view(x.size(0), -1)
        x = x @ self.proj_w + self.proj_b
        return self.classifier(x)


if __name__ == '__main__':
    torch.manual_seed(0)
    m = OpsNet()
    with torch.no_grad():
        m.bn.weight.copy_(1 + 0.2 * torch.randn(8)); m.bn.bias.copy_(0.2 * torch.randn(8))
        m.bn.running_mean.copy_(0.2 * torch.randn(8)); m.bn.running_var.copy_(1 + 0.3 * torch.rand(8))
    m.eval()
    shape = [2, 3, 20, 20]
    x = torch.linspace(-1, 1, 2 * 3 * 20 * 20).reshape(shape)
    with torch.no_grad():
        y = m(x)
    out = {'input_shape': shape, 'input': f'torch.linspace(-1, 1, {2 * 3 * 20 * 20}).reshape({shape})', 'logits': y.tolist(),
           'torch': torch.__version__, 'files': {}}
    for name, opset, keep in [('ops_opset11.onnx', 11, True), ('ops_opset13.onnx', 13, True), ('ops_opset17.onnx', 17, False)]:
        kw = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if keep else {}
        torch.onnx.export(m, x, name, input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=opset, **kw)
        model = onnx.load(name)
        onnx.checker.check_model(model)
        out['files'][name] = {'opset': opset, 'batchnorm_kept': keep, 'ops': sorted({n.op_type for n in model.graph.node})}
    json.dump(out, open('ops.json', 'w'), indent=1)
