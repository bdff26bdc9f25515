#!/usr/bin/env python3
"""ONNX test models for the ONNX importer, built with the `onnx` package's helpers (no torch), and
their onnxruntime reference outputs.

Every graph has one input "input", float32 [N, 3, S, S] (N a symbolic batch "N", S fixed), and
names its node outputs readably (the importer names its layers by node outputs); nodes
themselves are named "<Op>_<index>", as older exporters name them, so that an importer that
confuses node names with output names is caught. Reference outputs are float32 .npy files from
onnxruntime's CPU provider; intermediate tensors are read by adding them as graph outputs on a
copy of the model (the saved .onnx files keep only their own outputs).

    onnx_models.py zoo OUTDIR
        small random-weight models (seeded numpy RNG): residual (opset 11), inception (13),
        mobile (18), squeeze_excite_sigmoid (12), opset18_reduce (18). For each NAME:
        OUTDIR/NAME.onnx, OUTDIR/NAME.input.npy ([2, 3, S, S], N(0, 1)), OUTDIR/NAME.T.npy for
        every checked tensor T, and OUTDIR/zoo.json:
        [{"name", "file", "input", "size", "opset",
          "checked": [{"tensor", "file", "shape"}], "ops": [sorted op types]}].
    onnx_models.py bad OUTDIR
        inputs for the importer's error tests, described in OUTDIR/bad.json (a list of
        {"name", "file", "valid", "description", ...} with the node or initializer involved):
        truncated.onnx (a valid model cut to half its bytes), not_onnx.onnx (a PNG header and
        junk), unsupported_op.onnx (an Einsum in the middle), dynamic_size.onnx (input H and W
        are the dim_params "H" and "W"), nan_weights.onnx (a NaN in a Conv weight), and one
        GOOD model, external_data.onnx with its initializers in external_data.bin (onnx's
        external data), its input external_data.input.npy and references
        external_data.logits.npy, external_data.probabilities.npy.
    onnx_models.py mobilenet_v2 CHECKPOINT OUT.onnx
        torchvision's MobileNetV2 1.0 (mobilenet_v2-b0353104.pth, read with torch_pickle) as
        torch.onnx.export emits it before optimisation (opset 13): Conv, BatchNormalization
        (eps 1e-5), Clip(0, 6) with min and max as inputs, Add, GlobalAveragePool, Flatten,
        Dropout, Gemm, Softmax, input [N, 3, 224, 224]. The last output of each of atlas's native
        layers (Sources/Models/MobileNetV2.swift) carries the native layer's name: features.0,
        features.K.conv.J, features.K, features.18, pool, classifier.1 (logits), probabilities;
        the others are named as the exporter names them ("/features/features.0/features.0.0/Conv_output_0").
        Checks onnxruntime against the numpy reference (mobilenet_v2.py, float64) on a random
        input at every native layer the reference computes (features.K, features.K.conv.0, pool,
        logits, probabilities: within 1e-4 of max(1, max |reference|); the logits within 1e-4)
        and writes OUT.onnx only if they agree.
    onnx_models.py efficientnet_lite0 CHECKPOINT OUT.onnx
        the same for EfficientNet-Lite0 (efficientnet-lite0-57934424.pth; batch norm eps 1e-3,
        TensorFlow "SAME" padding as explicit asymmetric Conv pads for the 224 input, ReLU6 as
        Clip), native names _conv_stem, _blocks.K._expand_conv, _blocks.K._depthwise_conv,
        _blocks.K._project_conv, _blocks.K, _conv_head, pool, _fc (logits), probabilities;
        checked against efficientnet_lite0.py.
    onnx_models.py run MODEL.onnx INPUT.npy OUTDIR T1 [T2 ...]
        runs onnxruntime on MODEL with INPUT (fed to the graph's first input), exposing the named
        tensors (intermediate ones added as outputs on a copy), and writes OUTDIR/T.npy (float32)
        for each; a "/" in a tensor's name becomes "_" in its file name.
"""
import json
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import onnxruntime as ort

BATCH = 2


# ---------------------------------------------------------------------------------------------
# Building graphs.

class GraphBuilder:
    """Collects nodes and initializers; every node output name is unique."""

    def __init__(self, name, opset, seed=0):
        self.name, self.opset = name, opset
        self.rng = np.random.default_rng(seed)
        self.nodes, self.initializers = [], []
        self.tensors = set()

    # --- plumbing

    def initializer(self, name, array, dtype=np.float32):
        if name in self.tensors:
            return name
        self.tensors.add(name)
        self.initializers.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name))
        return name

    def node(self, op, inputs, output, outputs=None, **attrs):
        outputs = outputs or [output]
        for o in outputs:
            assert o not in self.tensors, f"{self.name}: tensor {o!r} named twice"
            self.tensors.add(o)
        self.nodes.append(helper.make_node(op, list(inputs), outputs, name=f"{op}_{len(self.nodes)}", **attrs))
        return outputs[0]

    def constant(self, output, array, dtype=np.float32):
        """A Constant node, as exporters emit shape arithmetic and scalar operands."""
        return self.node("Constant", [], output, value=numpy_helper.from_array(np.asarray(array, dtype=dtype), output))

    def model(self, size, outputs, dims=None, classes=10):
        """The ModelProto: input "input" [N, 3, size, size] (or `dims`), `outputs` float32 names of
        shape [N, classes] (declared, as exporters declare them: inference cannot always tell)."""
        dims = dims or ["N", 3, size, size]
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["N", classes]) for o in outputs],
            initializer=self.initializers)
        model = helper.make_model_gen_version(graph, producer_name="atlas onnx_models.py",
                                              opset_imports=[helper.make_opsetid("", self.opset)])
        onnx.checker.check_model(model, full_check=True)  # shape inference included, strict
        return model

    # --- layers with given weights (initializer names)

    def conv(self, x, output, weight, bias=None, stride=1, pads=None, group=1, dilations=None,
             auto_pad=None, kernel=None):
        attrs = {"strides": [stride, stride], "group": group}
        if kernel is not None:
            attrs["kernel_shape"] = [kernel, kernel]
        if auto_pad is not None:
            attrs["auto_pad"] = auto_pad
        elif pads is not None:
            attrs["pads"] = list(pads)
        if dilations is not None:
            attrs["dilations"] = list(dilations)
        return self.node("Conv", [x, weight] + ([bias] if bias else []), output, **attrs)

    def batch_norm(self, x, output, prefix, eps):
        """BatchNormalization with the initializers prefix.weight, .bias, .running_mean, .running_var."""
        return self.node("BatchNormalization",
                         [x] + [f"{prefix}.{p}" for p in ("weight", "bias", "running_mean", "running_var")],
                         output, epsilon=eps, momentum=0.9)

    # --- layers with random weights

    def random_conv(self, x, output, cin, cout, k, stride=1, pads=None, group=1, dilations=None,
                    auto_pad=None, bias=True):
        fan_in = cin // group * k * k
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), (cout, cin // group, k, k))
        weight = self.initializer(output + ".weight", w)
        b = self.initializer(output + ".bias", self.rng.normal(0.0, 0.1, cout)) if bias else None
        if pads is None and auto_pad is None:
            pads = [k // 2 * (1 if dilations is None else dilations[0])] * 4
        return self.conv(x, output, weight, b, stride, pads, group, dilations, auto_pad, kernel=k)

    def random_batch_norm(self, x, output, c, eps=1e-5):
        self.initializer(output + ".weight", self.rng.uniform(0.5, 1.5, c))
        self.initializer(output + ".bias", self.rng.normal(0.0, 0.1, c))
        self.initializer(output + ".running_mean", self.rng.normal(0.0, 0.2, c))
        self.initializer(output + ".running_var", self.rng.uniform(0.5, 1.5, c))
        return self.batch_norm(x, output, output, eps)

    def random_gemm(self, x, output, cin, cout):
        w = self.initializer(output + ".weight", self.rng.normal(0.0, np.sqrt(1.0 / cin), (cout, cin)))
        b = self.initializer(output + ".bias", self.rng.normal(0.0, 0.1, cout))
        return self.node("Gemm", [x, w, b], output, alpha=1.0, beta=1.0, transB=1)


def op_types(model):
    return sorted({n.op_type for n in model.graph.node})


# ---------------------------------------------------------------------------------------------
# Running onnxruntime.

def with_outputs(model, names):
    """A copy of `model` whose graph also outputs the named tensors (types from shape inference)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    produced = {o for n in m.graph.node for o in n.output}
    missing = [n for n in names if n not in produced]
    if missing:
        raise SystemExit(f"{m.graph.name}: no node makes the tensor(s) {', '.join(missing)}")
    existing = {o.name for o in m.graph.output}
    extra = [n for n in names if n not in existing]
    if extra:
        try:
            inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(m).graph.value_info}
        except Exception:  # noqa: BLE001 - a model shape inference cannot follow: declare floats
            inferred = {}
        for n in extra:
            m.graph.output.append(inferred.get(n) or helper.make_tensor_value_info(n, TensorProto.FLOAT, None))
    return m


def run_model(model, x, names):
    """onnxruntime's values of the named tensors for the input x, as float32 arrays (dict)."""
    m = with_outputs(model, names)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])
    values = session.run(list(names), {m.graph.input[0].name: x})
    return {n: np.asarray(v, dtype=np.float32) for n, v in zip(names, values)}


def file_name(tensor):
    return tensor.replace("/", "_")


# ---------------------------------------------------------------------------------------------
# The zoo.

def residual():
    """Opset 11: asymmetric-pad stride-2 stem, one residual block, Gemm classifier."""
    g = GraphBuilder("residual", 11, seed=11)
    x = g.random_conv("input", "stem.conv", 3, 16, 3, stride=2, pads=[0, 0, 1, 1])  # 32 -> 16
    x = g.random_batch_norm(x, "stem.bn", 16)
    stem = g.node("Relu", [x], "stem")
    y = g.random_conv(stem, "block1.conv1", 16, 16, 3)
    y = g.random_batch_norm(y, "block1.bn1", 16)
    y = g.node("Relu", [y], "block1.relu1")
    y = g.random_conv(y, "block1.conv2", 16, 16, 3)
    y = g.random_batch_norm(y, "block1.bn2", 16)
    y = g.node("Add", [stem, y], "block1.add")
    y = g.node("Relu", [y], "block1")
    y = g.node("GlobalAveragePool", [y], "pool")
    y = g.node("Flatten", [y], "flatten", axis=1)
    y = g.random_gemm(y, "logits", 16, 10)
    g.node("Softmax", [y], "probabilities", axis=1)
    checked = ["stem", "block1.relu1", "block1.bn2", "block1", "pool"]
    return g, 32, checked


def inception():
    """Opset 13: 7x7 stem, ceil-mode MaxPool, LRN, four-branch Concat, AveragePools with and
    without the padding counted, Dropout, Identity, an exporter's Reshape, MatMul + Add."""
    g = GraphBuilder("inception", 13, seed=13)
    x = g.random_conv("input", "conv1.conv", 3, 16, 7, stride=2, pads=[3] * 4)  # 35 -> 18
    x = g.node("Relu", [x], "conv1")
    # 18 -> 9 with ceil_mode (8 without): the last window starts at 16 and is cut at the border.
    x = g.node("MaxPool", [x], "pool1", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    x = g.node("LRN", [x], "lrn", size=5, alpha=1e-4, beta=0.75, bias=1.0)
    b1 = g.node("Relu", [g.random_conv(x, "mixed.b1.conv", 16, 8, 1)], "mixed.b1")
    b2 = g.node("Relu", [g.random_conv(x, "mixed.b2.reduce.conv", 16, 8, 1)], "mixed.b2.reduce")
    b2 = g.node("Relu", [g.random_conv(b2, "mixed.b2.conv", 8, 12, 3)], "mixed.b2")
    b3 = g.node("Relu", [g.random_conv(x, "mixed.b3.reduce.conv", 16, 4, 1)], "mixed.b3.reduce")
    b3 = g.node("Relu", [g.random_conv(b3, "mixed.b3.conv", 4, 6, 5)], "mixed.b3")
    b4 = g.node("MaxPool", [x], "mixed.b4.pool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
    b4 = g.node("Relu", [g.random_conv(b4, "mixed.b4.conv", 16, 6, 1)], "mixed.b4")
    mixed = g.node("Concat", [b1, b2, b3, b4], "mixed", axis=1)  # 32 channels, 9 x 9
    channels = 8 + 12 + 6 + 6
    # 9 -> 5: the border windows see padding, so the two counts differ there.
    inc = g.node("AveragePool", [mixed], "avg_include", kernel_shape=[3, 3], strides=[2, 2],
                 pads=[1, 1, 1, 1], count_include_pad=1)
    exc = g.node("AveragePool", [mixed], "avg_exclude", kernel_shape=[3, 3], strides=[2, 2],
                 pads=[1, 1, 1, 1], count_include_pad=0)
    y = g.node("Add", [inc, exc], "avg_sum")
    ratio = g.initializer("dropout.ratio", np.float32(0.4))
    y = g.node("Dropout", [y, ratio], "dropout")  # no training_mode input: inference, the identity
    y = g.node("Identity", [y], "features")
    pool = g.node("GlobalAveragePool", [y], "pool")
    # torch.onnx.export's x.view(x.size(0), -1) (or flatten): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    shape = g.node("Shape", [pool], "pool.shape")
    g.constant("pool.shape.index", np.int64(0), np.int64)
    batch = g.node("Gather", [shape, "pool.shape.index"], "pool.batch", axis=0)
    g.constant("pool.batch.axes", [0], np.int64)
    batch = g.node("Unsqueeze", [batch, "pool.batch.axes"], "pool.batch.unsqueezed")
    g.constant("pool.minus_one", [-1], np.int64)
    target = g.node("Concat", [batch, "pool.minus_one"], "pool.target_shape", axis=0)
    flat = g.node("Reshape", [pool, target], "flatten")
    w = g.initializer("fc.weight", g.rng.normal(0.0, np.sqrt(1.0 / channels), (channels, 10)))
    b = g.initializer("fc.bias", g.rng.normal(0.0, 0.1, 10))
    y = g.node("MatMul", [flat, w], "fc.matmul")
    y = g.node("Add", [y, b], "logits")
    g.node("Softmax", [y], "probabilities", axis=1)
    checked = ["pool1", "lrn", "mixed", "avg_include", "avg_exclude", "flatten"]
    return g, 35, checked


def mobile():
    """Opset 18: SAME_UPPER stem, Clip as ReLU6, depthwise, dilated + HardSwish, a
    HardSigmoid squeeze-excite, Sigmoid * x, Pad folded into the next Conv, Flatten to logits."""
    g = GraphBuilder("mobile", 18, seed=18)
    g.constant("relu6.min", np.float32(0.0))
    g.constant("relu6.max", np.float32(6.0))
    x = g.random_conv("input", "stem.conv", 3, 16, 3, stride=2, auto_pad="SAME_UPPER")  # 32 -> 16
    x = g.node("Clip", [x, "relu6.min", "relu6.max"], "stem")
    x = g.random_conv(x, "dw.conv", 16, 16, 3, group=16, bias=False)
    x = g.random_batch_norm(x, "dw.bn", 16)
    x = g.node("Clip", [x, "relu6.min", "relu6.max"], "dw")
    x = g.random_conv(x, "dilated.conv", 16, 24, 3, dilations=[2, 2], pads=[2] * 4)
    block = g.node("HardSwish", [x], "dilated")
    s = g.node("GlobalAveragePool", [block], "se.pool")
    s = g.random_conv(s, "se.reduce", 24, 8, 1)
    s = g.node("Relu", [s], "se.relu")
    s = g.random_conv(s, "se.expand", 8, 24, 1)
    s = g.node("HardSigmoid", [s], "se.scale", alpha=0.2, beta=0.5)
    x = g.node("Mul", [block, s], "se")
    x = g.random_conv(x, "swish.conv", 24, 32, 1)
    gate = g.node("Sigmoid", [x], "swish.sigmoid")
    x = g.node("Mul", [x, gate], "swish")
    pads = g.initializer("pad.pads", [0, 0, 0, 0, 0, 0, 1, 1], np.int64)  # bottom and right by 1
    zero = g.initializer("pad.value", np.float32(0.0))
    x = g.node("Pad", [x, pads, zero], "pad", mode="constant")  # 16 -> 17
    x = g.random_conv(x, "down.conv", 32, 32, 3, stride=2, pads=[0, 0, 0, 0])  # 17 -> 8
    x = g.node("Relu", [x], "down")
    x = g.random_conv(x, "head", 32, 10, 1)
    x = g.node("GlobalAveragePool", [x], "pool")
    x = g.node("Flatten", [x], "logits", axis=1)
    g.node("Softmax", [x], "probabilities", axis=1)
    checked = ["stem", "dw", "dilated", "se.scale", "se", "swish", "down"]
    return g, 32, checked


def squeeze_excite_sigmoid():
    """Opset 12: an EfficientNet-B0 MBConv block (swish as Sigmoid + Mul, ReduceMean with the
    axes attribute for the squeeze, Sigmoid gate), residual Add, Clip with min and max inputs."""
    g = GraphBuilder("squeeze_excite_sigmoid", 12, seed=12)

    def swish(x, output):
        return g.node("Mul", [x, g.node("Sigmoid", [x], output + ".sigmoid")], output)

    x = g.random_conv("input", "stem.conv", 3, 16, 3, bias=False)
    x = g.random_batch_norm(x, "stem.bn", 16, eps=1e-3)
    stem = swish(x, "stem")
    y = g.random_conv(stem, "block.expand.conv", 16, 64, 1, bias=False)
    y = swish(g.random_batch_norm(y, "block.expand.bn", 64, eps=1e-3), "block.expand")
    y = g.random_conv(y, "block.dw.conv", 64, 64, 5, pads=[2] * 4, group=64, bias=False)
    y = swish(g.random_batch_norm(y, "block.dw.bn", 64, eps=1e-3), "block.dw")
    s = g.node("ReduceMean", [y], "block.se.pool", axes=[2, 3], keepdims=1)
    s = swish(g.random_conv(s, "block.se.reduce.conv", 64, 4, 1), "block.se.reduce")
    s = g.random_conv(s, "block.se.expand", 4, 64, 1)
    s = g.node("Sigmoid", [s], "block.se.gate")
    y = g.node("Mul", [y, s], "block.se")
    y = g.random_conv(y, "block.project.conv", 64, 16, 1, bias=False)
    y = g.random_batch_norm(y, "block.project", 16, eps=1e-3)
    y = g.node("Add", [stem, y], "block")
    lo = g.initializer("clip.min", np.float32(0.0))
    hi = g.initializer("clip.max", np.float32(6.0))
    y = g.node("Clip", [y, lo, hi], "clip")
    y = g.node("GlobalAveragePool", [y], "pool")
    y = g.node("Flatten", [y], "flatten", axis=1)
    y = g.random_gemm(y, "logits", 16, 10)
    g.node("Softmax", [y], "probabilities", axis=1)
    checked = ["stem", "block.dw", "block.se.gate", "block.se", "block", "clip"]
    return g, 16, checked


def opset18_reduce():
    """Opset 18: ReduceMean with its axes as an input tensor, keepdims 0, then Gemm."""
    g = GraphBuilder("opset18_reduce", 18, seed=180)
    x = g.random_conv("input", "conv.conv", 3, 8, 3)
    x = g.node("Relu", [x], "conv")
    axes = g.initializer("pool.axes", [2, 3], np.int64)
    x = g.node("ReduceMean", [x, axes], "pool", keepdims=0)
    x = g.random_gemm(x, "logits", 8, 10)
    g.node("Softmax", [x], "probabilities", axis=1)
    return g, 16, ["conv", "pool"]


ZOO = [residual, inception, mobile, squeeze_excite_sigmoid, opset18_reduce]


def random_input(size, seed):
    return np.random.default_rng(seed).standard_normal((BATCH, 3, size, size)).astype(np.float32)


def zoo(outdir):
    os.makedirs(outdir, exist_ok=True)
    entries = []
    for index, make in enumerate(ZOO):
        g, size, checked = make()
        model = g.model(size, ["logits", "probabilities"])
        checked = checked + ["logits", "probabilities"]
        x = random_input(size, 1000 + index)
        values = run_model(model, x, checked)
        onnx.save_model(model, os.path.join(outdir, g.name + ".onnx"))
        np.save(os.path.join(outdir, g.name + ".input.npy"), x)
        entry = {"name": g.name, "file": g.name + ".onnx", "input": g.name + ".input.npy", "size": size,
                 "opset": g.opset, "checked": [], "ops": op_types(model)}
        for t in checked:
            v = values[t]
            assert np.all(np.isfinite(v)), (g.name, t)
            f = f"{g.name}.{file_name(t)}.npy"
            np.save(os.path.join(outdir, f), v)
            entry["checked"].append({"tensor": t, "file": f, "shape": list(v.shape)})
        assert np.allclose(values["probabilities"].sum(axis=1), 1.0, atol=1e-5)
        entries.append(entry)
    with open(os.path.join(outdir, "zoo.json"), "w") as f:
        json.dump(entries, f, indent=1)
    for e in entries:
        print(f"{e['name']}: opset {e['opset']}, size {e['size']}, "
              + ", ".join(f"{c['tensor']} {c['shape']}" for c in e["checked"]))


# ---------------------------------------------------------------------------------------------
# Bad inputs (and one good one with external data).

def small_classifier(name, opset, seed, dims=None, size=16, middle=None):
    """Conv + BN + Relu, an optional middle (a function of (builder, x) -> x), GAP, Flatten,
    Gemm -> logits, Softmax -> probabilities."""
    g = GraphBuilder(name, opset, seed)
    x = g.random_conv("input", "conv", 3, 8, 3, bias=False)
    x = g.random_batch_norm(x, "bn", 8)
    x = g.node("Relu", [x], "relu")
    if middle:
        x = middle(g, x)
    x = g.node("GlobalAveragePool", [x], "pool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.random_gemm(x, "logits", 8, 10)
    g.node("Softmax", [x], "probabilities", axis=1)
    return g, g.model(size, ["logits", "probabilities"], dims=dims)


def parses(data):
    try:
        onnx.load_model_from_string(data)
        return True
    except Exception:  # noqa: BLE001 - any decode error
        return False


def bad(outdir):
    os.makedirs(outdir, exist_ok=True)
    entries = []

    def save(model, name):
        onnx.save_model(model, os.path.join(outdir, name))

    # A valid model cut to half its bytes.
    g, size, _ = residual()
    data = g.model(size, ["logits", "probabilities"]).SerializeToString()
    cut = data[:len(data) // 2]
    assert not parses(cut), "the truncated model still parses"
    with open(os.path.join(outdir, "truncated.onnx"), "wb") as f:
        f.write(cut)
    entries.append({"name": "truncated", "file": "truncated.onnx", "valid": False,
                    "description": f"the zoo's residual model ({len(data)} bytes) cut to its first {len(cut)} bytes"})

    # Not a protobuf: a PNG signature, an IHDR chunk, then junk (the IHDR length's zero bytes
    # decode as the invalid protobuf field number 0).
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"
    junk = png + np.random.default_rng(7).integers(0, 256, 200, dtype=np.uint8).tobytes()
    assert not parses(junk), "the PNG bytes parse as ONNX"
    with open(os.path.join(outdir, "not_onnx.onnx"), "wb") as f:
        f.write(junk)
    entries.append({"name": "not_onnx", "file": "not_onnx.onnx", "valid": False,
                    "description": "a PNG signature and IHDR chunk followed by 200 random bytes"})

    # Einsum (a 1x1 convolution written as one) in the middle of a valid model.
    def einsum(g, x):
        w = g.initializer("mixer.weight", g.rng.normal(0.0, 0.5, (8, 8)))
        return g.node("Einsum", [x, w], "mixer", equation="nchw,oc->nohw")
    g, model = small_classifier("unsupported_op", 13, 21, middle=einsum)
    node = next(n for n in model.graph.node if n.op_type == "Einsum")
    run_model(model, random_input(16, 1), ["logits"])
    save(model, "unsupported_op.onnx")
    entries.append({"name": "unsupported_op", "file": "unsupported_op.onnx", "valid": False,
                    "node": node.name, "op": node.op_type, "output": node.output[0], "opset": 13,
                    "description": f"a valid model with an {node.op_type} node ({node.name!r}, output "
                                   f"{node.output[0]!r}) between Relu and GlobalAveragePool"})

    # Input height and width symbolic.
    g, model = small_classifier("dynamic_size", 13, 22, dims=["N", 3, "H", "W"])
    run_model(model, random_input(20, 2), ["logits"])
    save(model, "dynamic_size.onnx")
    entries.append({"name": "dynamic_size", "file": "dynamic_size.onnx", "valid": False,
                    "input": "input", "dims": ["N", 3, "H", "W"],
                    "description": "a valid model whose input's height and width are the dim_params 'H' and 'W'"})

    # A NaN in a Conv weight.
    g, model = small_classifier("nan_weights", 13, 23)
    init = next(i for i in model.graph.initializer if i.name == "conv.weight")
    w = numpy_helper.to_array(init).copy()
    w[1, 2, 0, 1] = np.nan
    init.CopyFrom(numpy_helper.from_array(w, init.name))
    onnx.checker.check_model(model, full_check=True)
    save(model, "nan_weights.onnx")
    entries.append({"name": "nan_weights", "file": "nan_weights.onnx", "valid": False,
                    "initializer": "conv.weight", "index": [1, 2, 0, 1],
                    "node": next(n.name for n in model.graph.node if "conv.weight" in n.input),
                    "description": "a valid model whose Conv weight 'conv.weight' holds a NaN at [1, 2, 0, 1]"})

    # GOOD: initializers in an external data file.
    g, model = small_classifier("external_data", 13, 24)
    x = random_input(16, 3)
    values = run_model(model, x, ["logits", "probabilities"])
    path = os.path.join(outdir, "external_data.onnx")
    if os.path.exists(os.path.join(outdir, "external_data.bin")):
        os.remove(os.path.join(outdir, "external_data.bin"))  # save_model appends to it otherwise
    external = onnx.ModelProto()
    external.CopyFrom(model)
    onnx.save_model(external, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="external_data.bin", size_threshold=0)
    os.chmod(os.path.join(outdir, "external_data.bin"), 0o644)  # onnx writes it 0600
    onnx.checker.check_model(path, full_check=True)
    reloaded = onnx.load(path, load_external_data=False)
    assert all(i.data_location == TensorProto.EXTERNAL for i in reloaded.graph.initializer)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])  # reads external_data.bin itself
    again = session.run(["logits", "probabilities"], {"input": x})
    assert np.array_equal(again[0], values["logits"]) and np.array_equal(again[1], values["probabilities"])
    np.save(os.path.join(outdir, "external_data.input.npy"), x)
    checked = []
    for t in ("logits", "probabilities"):
        np.save(os.path.join(outdir, f"external_data.{t}.npy"), values[t])
        checked.append({"tensor": t, "file": f"external_data.{t}.npy", "shape": list(values[t].shape)})
    entries.append({"name": "external_data", "file": "external_data.onnx", "valid": True,
                    "data_file": "external_data.bin", "size": 16, "opset": 13,
                    "initializers": [i.name for i in reloaded.graph.initializer],
                    "input": "external_data.input.npy", "checked": checked, "ops": op_types(model),
                    "description": "a GOOD model whose initializers all live in external_data.bin "
                                   "(onnx external data, one file, size_threshold 0)"})

    with open(os.path.join(outdir, "bad.json"), "w") as f:
        json.dump(entries, f, indent=1)
    for e in entries:
        print(f"{e['file']}: {e['description']}")


# ---------------------------------------------------------------------------------------------
# The ImageNet models from their checkpoints.

def load_params(path):
    from torch_pickle import load_state_dict  # sibling file: the pure-python checkpoint reader
    return {k: v for k, v in load_state_dict(path).items() if not k.endswith("num_batches_tracked")}


class CheckpointGraph(GraphBuilder):
    """A GraphBuilder whose initializers come from a state dict (float32, named by their keys)."""

    def __init__(self, name, params):
        super().__init__(name, 13)
        self.params = params
        self.initializer("relu6.min", np.float32(0.0))
        self.initializer("relu6.max", np.float32(6.0))

    def param(self, key):
        return self.initializer(key, self.params[key].astype(np.float32))

    def conv_bn(self, x, conv, bn, eps, stride, pads, group, relu6, output, path):
        """Conv (no bias) + BatchNormalization (+ Clip(0, 6)); the last output is `output`, the
        others are named as torch.onnx.export names them from the module path `path`."""
        w = self.param(conv + ".weight")
        for p in ("weight", "bias", "running_mean", "running_var"):
            self.param(f"{bn}.{p}")
        k = self.params[conv + ".weight"].shape[2]
        y = self.conv(x, f"{path}/Conv_output_0", w, None, stride, pads, group, kernel=k)
        y = self.batch_norm(y, output if not relu6 else f"{path}/BatchNormalization_output_0", bn, eps)
        if relu6:
            y = self.node("Clip", [y, "relu6.min", "relu6.max"], output)
        return y

    def classifier(self, x, weight, bias, p, dropout, logits):
        x = self.node("GlobalAveragePool", [x], "pool")
        x = self.node("Flatten", [x], "flatten", axis=1)
        ratio = self.initializer(dropout + ".p", np.float32(p))
        x = self.node("Dropout", [x, ratio], dropout)
        x = self.node("Gemm", [x, self.param(weight), self.param(bias)], logits, alpha=1.0, beta=1.0, transB=1)
        return self.node("Softmax", [x], "probabilities", axis=1)


def exporter_path(module):
    """torch.onnx.export's scope of a module: features.1.conv.0.0 -> /features/features.1/conv/conv.0/conv.0.0
    (a numbered child is named after its parent, as nn.Sequential's children are)."""
    segments = []
    for part in module.split("."):
        segments.append(segments[-1] + "." + part if part.isdigit() and segments else part)
    return "".join("/" + s for s in segments)


def mobilenet_v2_graph(params):
    from mobilenet_v2 import BLOCK_SETTINGS, BN_EPS
    g = CheckpointGraph("mobilenet_v2", params)
    native = []

    def layer(x, conv, bn, stride, group, relu6, output):
        k = params[conv + ".weight"].shape[2]
        native.append(output)
        return g.conv_bn(x, conv, bn, BN_EPS, stride, [k // 2] * 4, group, relu6, output, exporter_path(conv))

    x = layer("input", "features.0.0", "features.0.1", 2, 1, True, "features.0")
    channels, index = 32, 1
    for t, c, n, s in BLOCK_SETTINGS:
        for i in range(n):
            stride = s if i == 0 else 1
            prefix = f"features.{index}.conv"
            y, j = x, 0
            if t != 1:
                y = layer(y, f"{prefix}.0.0", f"{prefix}.0.1", 1, 1, True, f"{prefix}.0")
                j = 1
            hidden = params[f"{prefix}.{j}.0.weight"].shape[0]
            y = layer(y, f"{prefix}.{j}.0", f"{prefix}.{j}.1", stride, hidden, True, f"{prefix}.{j}")
            residual = stride == 1 and channels == c
            y = layer(y, f"{prefix}.{j + 1}", f"{prefix}.{j + 2}", 1, 1, False,
                      f"{prefix}.{j + 1}" if residual else f"features.{index}")
            if residual:
                y = g.node("Add", [x, y], f"features.{index}")
                native.append(f"features.{index}")
            x, channels, index = y, c, index + 1
    x = layer(x, "features.18.0", "features.18.1", 1, 1, True, "features.18")
    g.classifier(x, "classifier.1.weight", "classifier.1.bias", 0.2, "classifier.0", "classifier.1")
    native += ["pool", "classifier.1", "probabilities"]
    return g, native, {"classifier.1": "logits", "probabilities": "probs"}


def efficientnet_lite0_graph(params, size=224):
    from efficientnet_lite0 import BN_EPS, STAGES, same_padding
    g = CheckpointGraph("efficientnet_lite0", params)
    native = []
    h = size

    def layer(x, conv, bn, stride, group, relu6, output):
        nonlocal h
        k = params[conv + ".weight"].shape[2]
        top, bottom = same_padding(h, k, stride)
        h = -(-h // stride)
        native.append(output)
        return g.conv_bn(x, conv, bn, BN_EPS, stride, [top, top, bottom, bottom], group, relu6, output,
                         exporter_path(conv))

    x = layer("input", "_conv_stem", "_bn0", 2, 1, True, "_conv_stem")
    channels, index = 32, 0
    for repeats, k, first_stride, expansion, c in STAGES:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            block = f"_blocks.{index}"
            y = x
            if expansion != 1:
                y = layer(y, f"{block}._expand_conv", f"{block}._bn0", 1, 1, True, f"{block}._expand_conv")
            hidden = params[f"{block}._depthwise_conv.weight"].shape[0]
            assert params[f"{block}._depthwise_conv.weight"].shape[2] == k
            y = layer(y, f"{block}._depthwise_conv", f"{block}._bn1", stride, hidden, True, f"{block}._depthwise_conv")
            residual = stride == 1 and channels == c
            y = layer(y, f"{block}._project_conv", f"{block}._bn2", 1, 1, False,
                      f"{block}._project_conv" if residual else block)
            if residual:
                y = g.node("Add", [x, y], block)
                native.append(block)
            x, channels, index = y, c, index + 1
    x = layer(x, "_conv_head", "_bn1", 1, 1, True, "_conv_head")
    g.classifier(x, "_fc.weight", "_fc.bias", 0.2, "_dropout", "_fc")
    native += ["pool", "_fc", "probabilities"]
    return g, native, {"_fc": "logits", "probabilities": "probs"}


def build_imagenet(which, checkpoint, out):
    start = time.perf_counter()
    if which == "mobilenet_v2":
        import mobilenet_v2 as reference
        make = mobilenet_v2_graph
    else:
        import efficientnet_lite0 as reference
        make = efficientnet_lite0_graph
    params = load_params(checkpoint)
    g, native, renamed = make(params)
    model = g.model(224, ["probabilities"], classes=1000)
    unused = sorted(set(params) - g.tensors)
    assert not unused, f"checkpoint tensors left out of the graph: {unused[:5]}"
    built = time.perf_counter() - start

    # Check: onnxruntime (float32) against the numpy reference (float64) on a random input.
    x = random_input(224, 4242)
    ours = run_model(model, x, native)
    acts = reference.forward(x.astype(np.float64), {k: v.astype(np.float64) for k, v in params.items()})
    worst = 0.0
    compared = 0
    for name in native:
        ref_name = renamed.get(name, name)
        if name == "pool":  # not among the reference's activations: the mean of the layer before
            ref = acts[native[native.index("pool") - 1]].mean(axis=(2, 3), keepdims=True)
        elif ref_name in acts:
            ref = acts[ref_name]
        else:
            continue
        got = ours[name]
        assert got.shape == ref.shape, (name, got.shape, ref.shape)
        err = float(np.max(np.abs(got - ref)))
        scale = max(1.0, float(np.max(np.abs(ref))))
        worst = max(worst, err / scale)
        compared += 1
        assert err <= 1e-4 * scale, f"{name}: max |onnxruntime - numpy| = {err:.3g} (scale {scale:.3g})"
    logits = next(k for k, v in renamed.items() if v == "logits")
    err = float(np.max(np.abs(ours[logits] - acts["logits"])))
    assert err <= 1e-4, f"logits differ by {err:.3g}"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    onnx.save_model(model, out)  # only once it has passed
    print(f"{out}: {len(model.graph.node)} nodes, {len(model.graph.initializer)} initializers, "
          f"{os.path.getsize(out) / 1e6:.1f} MB, ops {', '.join(op_types(model))} (built in {built:.1f} s)")
    print(f"onnxruntime = numpy reference at {compared} of {len(native)} native layers "
          f"(worst max|diff| / max(1, max|ref|) = {worst:.2g}; logits max|diff| = {err:.2g}; "
          f"{time.perf_counter() - start:.1f} s in all)")


# ---------------------------------------------------------------------------------------------
# Running a model.

def run(model_path, input_path, outdir, names):
    model = onnx.load(model_path)  # with its external data, if any
    x = np.load(input_path).astype(np.float32)
    values = run_model(model, x, names)
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        np.save(os.path.join(outdir, file_name(name) + ".npy"), values[name])
        print(f"{name}: {list(values[name].shape)}")


def main(argv):
    usage = __doc__.split("\n\n", 2)[-1]
    if len(argv) < 2:
        raise SystemExit(usage)
    command, args = argv[0], argv[1:]
    if command == "zoo" and len(args) == 1:
        zoo(args[0])
    elif command == "bad" and len(args) == 1:
        bad(args[0])
    elif command in ("mobilenet_v2", "efficientnet_lite0") and len(args) == 2:
        build_imagenet(command, args[0], args[1])
    elif command == "run" and len(args) >= 4:
        run(args[0], args[1], args[2], args[3:])
    else:
        raise SystemExit(usage)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1:])
