"""W10 reference: FastAPI + uvicorn + ONNX Runtime serving an ONNX image classifier with Synapse's serving API.

Usage (developer machines only, never in CI):
    python -m venv /root/serve-ref-venv
    /root/serve-ref-venv/bin/pip install fastapi 'uvicorn[standard]' onnxruntime orjson numpy
    /root/serve-ref-venv/bin/python Benchmarks/reference/fastapi_ort_server.py \\
        --model model.onnx [--name fashion] [--host 127.0.0.1] [--port 8500] [--workers N]

The API is the one `synapse serve` speaks, so the same wrk load runs against both:
    POST /v1/models/{name}:predict               {"instances": [[784 pixels 0-255], ...]}
    POST /v1/models/{name}/versions/1:predict
        -> {"predictions": [{"class": 3, "probabilities": [...], "label": "Dress"}], "model_version": "1", "model": name}
    GET  /readyz, /healthz, /v1/models/{name}
An instance is a flat or nested array of the image's pixels (0-255) or {"pixels": [...]}; it is scaled by 1/255
and reshaped to the graph's declared input ([batch, 1, 28, 28] for `synapse export --format onnx`). Probabilities
are the softmax of the graph's `output` logits, the class their argmax.

Production settings, for a fair comparison: `--workers` uvicorn worker processes (default: one per core), each
with one ONNX Runtime session of intra_op_num_threads=1 (parallelism comes from the workers, not from threads
fighting over the same cores), all graph optimisations on, uvloop and httptools when installed, orjson for JSON
when installed, no access log. The session runs inline in the async handler: a batch-1 MLP takes tens of
microseconds, less than a hop to the thread pool would cost.

At start it prints one JSON line {"listening": "http://HOST:PORT", "workers": N, ...} like `synapse serve`.
Status codes differ from Synapse's in places (FastAPI answers 405 for a wrong method on a known path, 404 for
other paths; no body-size limit, so no 413); scripts/serve-abuse.py accepts any 4xx for malformed input.
"""
import argparse
import json
import os
import sys

ENV_PREFIX = "SYNAPSE_SERVE_REF_"
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _json_module():
    """orjson when installed (several times faster), else the standard library."""
    try:
        import orjson
        return orjson.loads, orjson.dumps
    except ImportError:
        return json.loads, lambda o: json.dumps(o, separators=(",", ":")).encode()


def create_app():
    """The FastAPI application of one worker, configured from the environment the launcher sets."""
    import numpy as np
    import onnxruntime as ort
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    loads, dumps = _json_module()
    model_path = os.environ[ENV_PREFIX + "MODEL"]
    model_name = os.environ.get(ENV_PREFIX + "NAME", "fashion")
    class_names = json.loads(os.environ.get(ENV_PREFIX + "CLASSES", json.dumps(FASHION_MNIST_CLASSES)))

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    graph_input = session.get_inputs()[0]
    # The graph's input shape without the batch axis ([1, 28, 28] or [784]); symbolic sizes cannot occur here.
    row_shape = tuple(int(d) for d in graph_input.shape[1:])
    row_width = int(np.prod(row_shape)) if row_shape else 1
    input_name = graph_input.name

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    def answer(status, obj):
        return Response(content=dumps(obj), status_code=status, media_type="application/json")

    def error(status, message):
        return answer(status, {"error": message})

    def only_numbers(value):
        """True when every leaf of the nested lists is a JSON number (not a boolean or a string)."""
        if isinstance(value, list):
            return all(only_numbers(v) for v in value)
        return type(value) in (int, float)

    def prepare(instances):
        """The instances as a float32 batch in the graph's input shape, or an error message."""
        if not isinstance(instances, list) or not instances:
            return None, "'instances' must be a non-empty array"
        rows = np.empty((len(instances), row_width), dtype=np.float32)
        for i, instance in enumerate(instances):
            if isinstance(instance, dict):
                instance = instance.get("pixels")
            try:
                pixels = np.asarray(instance, dtype=np.float32)
            except (ValueError, TypeError):
                return None, f"instance {i}: expected an array of {row_width} numbers"
            if not only_numbers(instance):  # numpy reads true as 1.0 and "12" as 12.0
                return None, f"instance {i}: pixels must be numbers"
            if pixels.size != row_width:
                return None, f"instance {i}: expected {row_width} pixels, found {pixels.size}"
            pixels = pixels.reshape(-1)
            if not np.all(np.isfinite(pixels)) or pixels.min() < 0 or pixels.max() > 255:
                return None, f"instance {i}: pixels must be finite numbers in 0...255"
            rows[i] = pixels
        rows *= 1.0 / 255.0
        return rows.reshape((len(instances),) + row_shape), None

    def predict(name, version, body):
        if name != model_name:
            return error(404, f"no model named '{name}'")
        if version is not None and version != "1":
            return error(404, f"model '{name}' has no version '{version}'")
        try:
            request = loads(body)
        except (ValueError, RecursionError):
            return error(400, "the body is not valid JSON")
        if not isinstance(request, dict) or "instances" not in request:
            return error(400, "expected an object with 'instances'")
        batch, message = prepare(request["instances"])
        if message is not None:
            return error(400, message)
        logits = session.run(None, {input_name: batch})[0].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        classes = probabilities.argmax(axis=1)
        predictions = []
        for c, p in zip(classes.tolist(), probabilities.tolist()):
            prediction = {"class": c, "probabilities": p}
            if c < len(class_names):
                prediction["label"] = class_names[c]
            predictions.append(prediction)
        return answer(200, {"predictions": predictions, "model_version": "1", "model": model_name})

    @app.post("/v1/models/{name}:predict")
    async def predict_latest(name: str, request: Request):
        return predict(name, None, await request.body())

    @app.post("/v1/models/{name}/versions/{version}:predict")
    async def predict_version(name: str, version: str, request: Request):
        return predict(name, version, await request.body())

    @app.get("/v1/models/{name}")
    async def describe(name: str):
        if name != model_name:
            return error(404, f"no model named '{name}'")
        return answer(200, {"name": model_name, "versions": ["1"], "state": "ready",
                            "input": {"name": input_name, "shape": list(row_shape)}})

    @app.get("/healthz")
    async def healthz():
        return answer(200, {"status": "alive"})

    @app.get("/readyz")
    async def readyz():
        return answer(200, {"status": "ready", "models": [model_name]})

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the ONNX graph (synapse export --format onnx)")
    parser.add_argument("--name", default="fashion", help="the model's name in the URL (default fashion)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn worker processes (default: one per core)")
    parser.add_argument("--classes", default=None,
                        help="comma-separated class names in output order (default: Fashion-MNIST's)")
    args = parser.parse_args()
    if not os.path.isfile(args.model):
        sys.exit(f"error: --model {args.model}: no such file")
    if args.workers < 1:
        sys.exit(f"error: --workers must be at least 1, got {args.workers}")

    import uvicorn

    os.environ[ENV_PREFIX + "MODEL"] = os.path.abspath(args.model)
    os.environ[ENV_PREFIX + "NAME"] = args.name
    if args.classes:
        os.environ[ENV_PREFIX + "CLASSES"] = json.dumps(args.classes.split(","))
    extras = {}
    try:
        import uvloop  # noqa: F401
        extras["loop"] = "uvloop"
    except ImportError:
        pass
    try:
        import httptools  # noqa: F401
        extras["http"] = "httptools"
    except ImportError:
        pass
    # uvicorn binds the port before it starts the workers; clients should poll GET /readyz, which answers once a
    # worker has loaded the model.
    print(json.dumps({"listening": f"http://{args.host}:{args.port}", "workers": args.workers,
                      "server": "fastapi+uvicorn+onnxruntime", "loop": extras.get("loop", "asyncio"),
                      "http": extras.get("http", "h11")}), flush=True)
    uvicorn.run("fastapi_ort_server:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, access_log=False, log_level="warning",
                app_dir=os.path.dirname(os.path.abspath(__file__)), **extras)

if __name__ == "__main__":
    main()
