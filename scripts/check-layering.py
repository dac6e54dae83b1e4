#!/usr/bin/env python3
"""Fails when a library target imports a layer above it or beside it.

The library is cut into targets that mirror its layers (see CONTRIBUTING.md, "Layers"). SwiftPM
checks only that a target builds; it does not stop a file from importing a module that happens to
be built earlier. This script reads every `import` line under Sources/ and compares it with the
table below, which is the architecture: change the table only when the architecture changes.
"""
import os
import re
import sys

# Each library target and the Synapse modules it may import (C modules are listed too: only the
# core talks to the kernels; IO and Data use zlib; only Data decodes images, through CImageCodecs
# over libpng and libjpeg-turbo).
ALLOWED = {
    "SynapseCore": {"CKernels", "CDNNL", "CDNNLPrimitives"},
    "SynapseIO": {"SynapseCore", "CZlib"},
    "SynapseNN": {"SynapseCore", "SynapseIO"},
    "SynapseOptim": {"SynapseCore", "SynapseNN"},
    "SynapseData": {"SynapseCore", "SynapseIO", "CZlib", "CImageCodecs", "CPNG", "CJPEG"},
    "SynapseEval": {"SynapseCore", "SynapseIO", "SynapseNN", "SynapseData"},
    "SynapseModels": {"SynapseCore", "SynapseNN", "SynapseData"},
    "SynapseTraining": {"SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval",
                        "SynapseModels"},
    "SynapseONNX": {"SynapseCore", "SynapseIO", "SynapseNN", "SynapseModels"},
    "SynapseDistributed": {"SynapseCore", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseTraining", "CMPIBridge"},
    "SynapseJobs": {"SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval",
                    "SynapseModels", "SynapseTraining", "SynapseONNX", "SynapseDistributed"},
    "SynapseServe": {"SynapseCore", "SynapseIO", "SynapseData", "SynapseEval", "SynapseJobs"},
    "Synapse": {"SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval",
                "SynapseModels", "SynapseTraining", "SynapseONNX", "SynapseDistributed", "SynapseJobs"},
}
# Inside the core, only the CPU backend (and the thread pool's runtime) may call C: ops go through
# `CPUBackend`, so a second backend replaces the backend folder, not the ops.
C_MODULES = {"CKernels", "CDNNL", "CDNNLPrimitives", "CZlib"}
CORE_C_CALLERS = ("Sources/SynapseCore/Backend/", "Sources/SynapseCore/Runtime/ThreadPool.swift")
# Modules of our own; anything else (Foundation, Glibc, Synchronization, ...) is the platform's.
OURS = set(ALLOWED) | {"CKernels", "CDNNL", "CDNNLPrimitives", "CZlib", "CImageCodecs", "CPNG", "CJPEG", "CMPI", "CMPIBridge"}
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_]\w*)", re.M)


def main(root: str) -> int:
    sources = os.path.join(root, "Sources")
    problems = []
    for target in sorted(os.listdir(sources)):
        path = os.path.join(sources, target)
        if not os.path.isdir(path) or not target.startswith("Synapse"):
            continue
        if target not in ALLOWED:
            problems.append(f"Sources/{target}: a library target missing from scripts/check-layering.py's table")
            continue
        for folder, _, files in os.walk(path):
            for name in sorted(files):
                if not name.endswith(".swift"):
                    continue
                file = os.path.join(folder, name)
                with open(file, encoding="utf-8") as f:
                    text = f.read()
                for m in IMPORT.finditer(text):
                    module = m.group(1)
                    rel = os.path.relpath(file, root)
                    if target == "SynapseCore" and module in C_MODULES and not rel.startswith(CORE_C_CALLERS):
                        line = text.count("\n", 0, m.start()) + 1
                        problems.append(f"{rel}:{line}: only Sources/SynapseCore/Backend/ may import {module} "
                                        f"(call the kernel through CPUBackend)")
                        continue
                    if module in OURS and module != target and module not in ALLOWED[target]:
                        line = text.count("\n", 0, m.start()) + 1
                        problems.append(f"{os.path.relpath(file, root)}:{line}: {target} may not import {module} "
                                        f"(allowed: {', '.join(sorted(ALLOWED[target]))})")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check-layering: {len(problems)} upward or sideways import(s)", file=sys.stderr)
        return 1
    print(f"check-layering: {len(ALLOWED)} library targets, no upward imports")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")))
