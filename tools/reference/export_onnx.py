"""ONNX peers of the encoder benchmark (bench/precision.ts): the reference modules of
encoder_modules.py, loaded with the weights the benchmark wrote, exported to ONNX (fp32), and an
int8 graph made from it by a dynamic-quantisation pass written here with the onnx helper API:
every MatMul whose second input is a weight initializer becomes

    DynamicQuantizeLinear(x) -> (x_q u8, x_scale, x_zero)          per tensor, asymmetric
    MatMulInteger(x_q, w_q s8, x_zero, w_zero = 0) -> int32         w per output column, symmetric
    Cast(float) * (x_scale * w_scale)  (+ the bias Add that follows, unchanged)

which is the graph onnxruntime's own dynamic quantiser emits (its optimiser fuses the four nodes
into DynamicQuantizeMatMul / MatMulIntegerToFloat at level 'all').

usage: export_onnx.py {bert|vit} DIR OUT_FP32.onnx OUT_INT8.onnx BATCH SEQ_OR_SIZE
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(__file__))
from encoder_modules import BertRef, ViTRef  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402


class BertLast(torch.nn.Module):
    """BertRef's last hidden state only, with int64 inputs as HF exports them."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids, attention_mask, token_type_ids)[0]


class VitLast(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model(pixel_values)[0]


def export_fp32(kind, d, out, batch, n):
    config = json.load(open(os.path.join(d, "config.json")))
    state = read_safetensors(os.path.join(d, "model.safetensors"))
    if kind == "bert":
        ref = BertRef(config, pooler=False)
        ref.load_state_dict(state, strict=True)
        model = BertLast(ref).eval()
        args = (torch.zeros(batch, n, dtype=torch.int64), torch.ones(batch, n, dtype=torch.int64),
                torch.zeros(batch, n, dtype=torch.int64))
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {k: {0: "batch", 1: "seq"} for k in names}
    else:
        ref = ViTRef(config, pooler=False)
        ref.load_state_dict(state, strict=True)
        model = VitLast(ref).eval()
        args = (torch.zeros(batch, 3, n, n),)
        names = ["pixel_values"]
        axes = {"pixel_values": {0: "batch"}}
    axes["last_hidden_state"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(model, args, out, input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, do_constant_folding=True)


def quantize_dynamic(src, dst):
    """The pass described at the top: weight MatMuls to DynamicQuantizeLinear + MatMulInteger."""
    m = onnx.load(src)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    nodes = []
    replaced = 0
    for node in g.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or len(w.dims) != 2:
            nodes.append(node)
            continue
        wf = numpy_helper.to_array(w).astype(np.float32)  # (K, N): x @ w
        amax = np.abs(wf).max(axis=0)
        scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
        wq = np.clip(np.rint(wf / scale), -127, 127).astype(np.int8)
        base = f"{node.name or node.output[0]}_q"
        g.initializer.extend([
            numpy_helper.from_array(wq, f"{base}_w"),
            numpy_helper.from_array(scale, f"{base}_w_scale"),
            numpy_helper.from_array(np.zeros(wq.shape[1], dtype=np.int8), f"{base}_w_zero"),
        ])
        x = node.input[0]
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [f"{base}_x", f"{base}_x_scale", f"{base}_x_zero"], name=f"{base}_dql"),
            helper.make_node("MatMulInteger", [f"{base}_x", f"{base}_w", f"{base}_x_zero", f"{base}_w_zero"], [f"{base}_i32"],
                             name=f"{base}_mmi"),
            helper.make_node("Cast", [f"{base}_i32"], [f"{base}_f32"], to=TensorProto.FLOAT, name=f"{base}_cast"),
            helper.make_node("Mul", [f"{base}_x_scale", f"{base}_w_scale"], [f"{base}_scale"], name=f"{base}_scale_mul"),
            helper.make_node("Mul", [f"{base}_f32", f"{base}_scale"], [node.output[0]], name=f"{base}_out_mul"),
        ]
        replaced += 1
    used = {i for n in nodes for i in n.input}
    kept = [t for t in g.initializer if t.name in used]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(kept)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return replaced


def main():
    kind, d, out_fp32, out_int8, batch, n = sys.argv[1:7]
    export_fp32(kind, d, out_fp32, int(batch), int(n))
    replaced = quantize_dynamic(out_fp32, out_int8)
    print(json.dumps({"fp32": out_fp32, "int8": out_int8, "quantized_matmuls": replaced}))


if __name__ == "__main__":
    main()
