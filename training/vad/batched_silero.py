"""Rewrites Silero VAD v5's 16 kHz branch as one flat graph of batched matrix products.

The ONNX file shipped in @ricky0123/vad-web computes, per 576-sample frame (64 context + 512 new),
an STFT (a 1-D convolution with a periodic-Hann windowed DFT basis, 256 taps, hop 128, on the
input reflect-padded by 64), four 3-tap convolutions over the 4 STFT frames, one LSTM cell and a
1x1 convolution with a sigmoid, inside nested `If` nodes that pick 8 or 16 kHz and squeeze time.
onnxruntime runs each convolution image by image: with 4 (then 2, then 1) output positions per
image its matrix products are too narrow to use the SIMD kernels well.

This script writes the same function with the same weights as: frames cut by Reshape/Slice,
one MatMul for the STFT over every frame of the batch, and each convolution as one MatMul with
its taps laid out over the (fixed, tiny) time axis, so each layer is a single product with the
batch as its rows. Inputs and outputs are those of the original (`input` [B, 576], `state`
[2, B, 128], `sr` accepted and ignored: the graph is the 16 kHz one; `output` [B, 1], `stateN`).
The output is deterministic (same source, same bytes; training/vad/test_batched_silero.py);
lib/segment/batched_silero_test.ts runs both graphs in onnxruntime-web on real speech and
checks they agree.

  /usr/bin/python3 training/vad/batched_silero.py \
      --source node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx \
      --out models/silero_vad_v5_16k.onnx
"""
import argparse
import hashlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

T_STFT = 4  # STFT frames per 576-sample input (640 after padding, 256 taps, hop 128)
BINS = 129


def branch_constants(model):
    """The named weights of the 16 kHz branch (the `If` on sr == 16000 takes then_branch)."""
    top = [n for n in model.graph.node if n.op_type == "If"]
    assert len(top) == 1, "unexpected graph: one top-level If expected"
    then = [a.g for a in top[0].attribute if a.name == "then_branch"][0]
    out = {}
    for n in then.node:
        if n.op_type == "Constant":
            name = n.output[0].split("__Inline_0__")[-1]
            out[name] = numpy_helper.to_array(n.attribute[0].t)
    return out


def conv_as_matrix(w, t_in, stride):
    """A 3-tap, pad-1 convolution over t_in positions as one [t_in*Cin, t_out*Cout] matrix
    (rows: input time-major, position t then channel; columns likewise)."""
    c_out, c_in, k = w.shape
    t_out = (t_in + 2 - k) // stride + 1
    m = np.zeros((t_in * c_in, t_out * c_out), dtype=np.float32)
    for to in range(t_out):
        for tap in range(k):
            ti = to * stride + tap - 1
            if 0 <= ti < t_in:
                m[ti * c_in:(ti + 1) * c_in, to * c_out:(to + 1) * c_out] = w[:, :, tap].T
    return m, t_out


def build(c):
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, inputs, outputs, **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, **attrs))
        return outputs[0]

    # Frames: reflect-pad 64 on the right (640 samples = 5 blocks of 128), frame t = blocks t, t+1.
    pads = const("pads", np.array([0, 0, 0, 64], dtype=np.int64))
    x = node("Pad", ["input", pads], ["padded"], mode="reflect")
    blocks = node("Reshape", [x, const("shape_blocks", np.array([-1, 5, 128], dtype=np.int64))], ["blocks"])
    ax1 = const("axis1", np.array([1], dtype=np.int64))
    first = node("Slice", [blocks, const("s0", np.array([0], dtype=np.int64)),
                           const("e4", np.array([4], dtype=np.int64)), ax1], ["blocks_0_4"])
    second = node("Slice", [blocks, const("s1", np.array([1], dtype=np.int64)),
                            const("e5", np.array([5], dtype=np.int64)), ax1], ["blocks_1_5"])
    frames = node("Concat", [first, second], ["frames"], axis=2)  # [B, 4, 256]
    # STFT. The basis is a periodic-Hann windowed DFT, so sample n and sample 256 - n share
    # their cosine weight and have opposite sine weights (and the window is 0 at n = 0): the
    # real part is the cosine basis applied to x[n] + x[256 - n] (n = 1..127) and x[128], the
    # imaginary part the sine basis applied to x[n] - x[256 - n]; two products of half the size.
    basis = c["stft.forward_basis_buffer"][:, 0, :]  # [258, 256]: 129 cosine rows, 129 sine rows
    n = np.arange(1, 128)
    assert np.abs(basis[:, 0]).max() < 1e-7, "window not zero at n = 0"
    assert np.abs(basis[:BINS, n] - basis[:BINS, 256 - n]).max() < 1e-6, "cosine basis not symmetric"
    assert np.abs(basis[BINS:, n] + basis[BINS:, 256 - n]).max() < 1e-6, "sine basis not antisymmetric"
    cos_w = np.concatenate([basis[:BINS, n].T, basis[:BINS, 128][None]], axis=0)  # [128, 129]
    sin_w = basis[BINS:, n].T  # [127, 129]
    ax2 = const("axis2", np.array([2], dtype=np.int64))
    head = node("Slice", [frames, const("s_head", np.array([1], dtype=np.int64)),
                          const("e_head", np.array([128], dtype=np.int64)), ax2], ["head"])
    tail = node("Slice", [frames, const("s_tail", np.array([255], dtype=np.int64)),
                          const("e_tail", np.array([128], dtype=np.int64)), ax2,
                          const("step_back", np.array([-1], dtype=np.int64))], ["tail_reversed"])
    mid = node("Slice", [frames, const("s_mid", np.array([128], dtype=np.int64)),
                         const("e_mid", np.array([129], dtype=np.int64)), ax2], ["mid"])
    even = node("Concat", [node("Add", [head, tail], ["even_part"]), mid], ["even"], axis=2)
    odd = node("Sub", [head, tail], ["odd"])
    re = node("MatMul", [even, const("stft_cos", cos_w)], ["re"])  # [B, 4, 129]
    im = node("MatMul", [odd, const("stft_sin", sin_w)], ["im"])
    power = node("Add", [node("Mul", [re, re], ["re2"]), node("Mul", [im, im], ["im2"])], ["power"])
    mag = node("Sqrt", [power], ["mag"])  # [B, 4, 129]: time, then frequency bin
    # First convolution (3 taps, stride 1, 129 -> 128 channels) as one product over the
    # zero-padded time axis: row (b, t) holds positions t - 1, t, t + 1.
    w0 = c["encoder.0.reparam_conv.weight"]
    padded_mag = node("Pad", [mag, const("pads_time", np.array([0, 1, 0, 0, 1, 0], dtype=np.int64))], ["mag_padded"])
    ax1t = const("axis1_time", np.array([1], dtype=np.int64))
    taps = [node("Slice", [padded_mag, const(f"s_tap{k}", np.array([k], dtype=np.int64)),
                           const(f"e_tap{k}", np.array([k + T_STFT], dtype=np.int64)), ax1t], [f"tap{k}"])
            for k in range(3)]
    cols = node("Concat", taps, ["enc0_cols"], axis=2)  # [B, 4, 387]
    w0_cols = np.concatenate([w0[:, :, k].T for k in range(3)], axis=0)  # [387, 128]
    y = node("Add", [node("MatMul", [cols, const("enc0_w", w0_cols)], ["enc0_mm"]),
                     const("enc0_b", c["encoder.0.reparam_conv.bias"])], ["enc0_lin"])
    y = node("Relu", [y], ["enc0_act"])
    h = node("Reshape", [y, const("shape_flat", np.array([-1, T_STFT * 128], dtype=np.int64))], ["enc0"])
    t = T_STFT
    # The later convolutions act on 4, 2 and 1 positions: each is one [t*Cin, t'*Cout] product.
    for i, s in [(1, 2), (2, 2), (3, 1)]:
        w = c[f"encoder.{i}.reparam_conv.weight"]
        b = c[f"encoder.{i}.reparam_conv.bias"]
        m, t = conv_as_matrix(w, t, s)
        y = node("MatMul", [h, const(f"enc{i}_w", m)], [f"enc{i}_mm"])
        y = node("Add", [y, const(f"enc{i}_b", np.tile(b, t).astype(np.float32))], [f"enc{i}_lin"])
        h = node("Relu", [y], [f"enc{i}"])
    assert t == 1
    # LSTM cell (PyTorch gate order i, f, g, o; ONNX i, o, f, c), one step.
    def reorder(a):
        return np.concatenate([a[0:128], a[384:512], a[128:384]], axis=0)
    W = reorder(c["decoder.rnn.weight_ih"])[None]
    R = reorder(c["decoder.rnn.weight_hh"])[None]
    B = np.concatenate([reorder(c["decoder.rnn.bias_ih"]), reorder(c["decoder.rnn.bias_hh"])])[None]
    ax0 = const("axis0", np.array([0], dtype=np.int64))
    seq = node("Unsqueeze", [h, ax0], ["lstm_x"])  # [1, B, 128]
    h0 = node("Slice", ["state", const("s_h", np.array([0], dtype=np.int64)),
                         const("e_h", np.array([1], dtype=np.int64)), ax0], ["h0"])
    c0 = node("Slice", ["state", const("s_c", np.array([1], dtype=np.int64)),
                         const("e_c", np.array([2], dtype=np.int64)), ax0], ["c0"])
    node("LSTM", [seq, const("lstm_W", W), const("lstm_R", R), const("lstm_B", B), "", h0, c0],
         ["lstm_y", "h1", "c1"], hidden_size=128)
    node("Concat", ["h1", "c1"], ["stateN"], axis=0)
    hsq = node("Squeeze", ["h1", ax0], ["h1_flat"])  # [B, 128]
    act = node("Relu", [hsq], ["dec_relu"])
    dw = c["decoder.decoder.2.weight"][:, :, 0].T  # [128, 1]
    logit = node("Add", [node("MatMul", [act, const("dec_w", dw)], ["dec_mm"]),
                         const("dec_b", c["decoder.decoder.2.bias"].astype(np.float32))], ["dec_logit"])
    node("Sigmoid", [logit], ["output"])
    graph = helper.make_graph(
        nodes, "silero_vad_v5_16k",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 576]),
         helper.make_tensor_value_info("state", TensorProto.FLOAT, [2, "batch", 128]),
         helper.make_tensor_value_info("sr", TensorProto.INT64, [])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1]),
         helper.make_tensor_value_info("stateN", TensorProto.FLOAT, [2, "batch", 128])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)],
                              producer_name="affectstream training/vad/batched_silero.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.source, "rb") as f:
        src = f.read()
    model = build(branch_constants(onnx.load_from_string(src)))
    sha = hashlib.sha256(src).hexdigest()
    model.doc_string = f"Silero VAD v5 (MIT), 16 kHz branch rewritten as batched MatMuls; source sha256 {sha}"
    onnx.save(model, a.out)
    print(f"wrote {a.out} ({len(model.graph.node)} nodes) from {a.source} sha256 {sha}")


if __name__ == "__main__":
    main()
