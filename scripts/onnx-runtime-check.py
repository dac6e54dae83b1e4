#!/usr/bin/env python3
"""Checks ONNX models exported by Synapse with real clients: the ONNX checker and ONNX Runtime.

Usage: scripts/onnx-runtime-check.py CASES_DIR

CASES_DIR holds one directory per case, each with
  model.onnx            the exported model
  case.json             {"inputs": [names], "outputs": [names], "compare": "allclose" | "argmax",
                         "tolerance": 1e-4}
  <input name>.npy      the inputs fed to both Synapse and ONNX Runtime
  expected_<output name>.npy   Synapse's outputs

Each model must pass onnx.checker.check_model(full_check=True) (which also runs strict shape
inference against the declared input/output shapes), then ONNX Runtime (CPU) runs it on the inputs.
  allclose: every element must satisfy |ort - synapse| <= tolerance * max(1, |synapse|)
            (absolute below 1, relative above; NaN only where Synapse has NaN, infinities equal);
  argmax:   the arg-max over the last axis must be identical for every row (classifier predictions).
One line per case: "PASS <case>: ..." or "FAIL <case>: <reason>", after a "RUN <case>" line (the
last RUN line names the case if ONNX Runtime crashes the process). Exits 1 if any case fails or there
are no cases, 2 if onnx/onnxruntime/numpy cannot be imported.
"""
import json
import os
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except ImportError as error:  # the Swift test reports this as a skip or a failure
    print(f"IMPORT-ERROR {error}")
    sys.exit(2)


def check_case(directory):
    with open(os.path.join(directory, "case.json")) as f:
        case = json.load(f)
    path = os.path.join(directory, "model.onnx")
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feeds = {name: np.load(os.path.join(directory, f"{name}.npy")) for name in case["inputs"]}
    results = session.run(case["outputs"], feeds)
    tolerance = float(case.get("tolerance", 1e-4))
    notes = []
    for name, got in zip(case["outputs"], results):
        want = np.load(os.path.join(directory, f"expected_{name}.npy"))
        if got.shape != want.shape:
            return False, f"output '{name}' has shape {list(got.shape)}, Synapse gave {list(want.shape)}"
        if case.get("compare", "allclose") == "argmax":
            same = int((got.argmax(axis=-1) == want.argmax(axis=-1)).sum())
            total = int(np.prod(want.shape[:-1]))
            notes.append(f"{name}: {same}/{total} identical predictions")
            if same != total:
                return False, "; ".join(notes)
            continue
        got64, want64 = got.astype(np.float64), want.astype(np.float64)
        if not np.array_equal(np.isnan(got64), np.isnan(want64)):
            return False, f"output '{name}': NaN positions differ"
        finite = np.isfinite(want64) & np.isfinite(got64)
        if not np.array_equal(got64[~finite & ~np.isnan(want64)], want64[~finite & ~np.isnan(want64)]):
            return False, f"output '{name}': infinities differ"
        diff = np.abs(got64 - want64)[finite]
        bound = tolerance * np.maximum(1.0, np.abs(want64))[finite]
        worst = float((diff / bound).max()) if diff.size else 0.0
        notes.append(f"{name}: max |diff| {float(diff.max()) if diff.size else 0.0:.2e} ({worst:.2f} of the tolerance)")
        if worst > 1.0:
            return False, "; ".join(notes)
    return True, "; ".join(notes)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2])
        return 1
    root = sys.argv[1]
    cases = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "case.json")))
    if not cases:
        print(f"FAIL: no cases in {root}")
        return 1
    failures = 0
    for name in cases:
        # Announced first, so a runtime crash (a signal ends this process) still names its case.
        print(f"RUN {name}", flush=True)
        try:
            ok, note = check_case(os.path.join(root, name))
        except Exception as error:  # checker or runtime rejected the model: report it as a failure
            ok, note = False, f"{type(error).__name__}: {error}".replace("\n", " ")
        print(f"{'PASS' if ok else 'FAIL'} {name}: {note}", flush=True)
        failures += 0 if ok else 1
    print(f"{len(cases) - failures}/{len(cases)} cases passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
