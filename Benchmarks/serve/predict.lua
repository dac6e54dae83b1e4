-- W10: POSTs one prediction request body (batch 1, a real Fashion-MNIST test image) over and over.
--
-- Usage: wrk -t2 -c64 -d30s --latency -s Benchmarks/serve/predict.lua \
--            http://127.0.0.1:PORT/v1/models/fashion:predict -- BODY.json
-- BODY.json is the whole request body ({"instances": [[...784 pixels...]]}); scripts/bench-serve.sh writes it.
-- Besides wrk's own report, `done` prints one line `W10_RESULT {json}` with the figures the driver tabulates:
-- requests/s, p50/p90/p99/max latency in microseconds, and every kind of error (a non-2xx answer counts as
-- `status`: a benchmark whose server refused requests is not a valid measurement).

local body_path = nil

function init(args)
  body_path = args[1]
  if body_path == nil then
    error("predict.lua needs the request body's file after --")
  end
  local file = assert(io.open(body_path, "rb"), "cannot open " .. body_path)
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'W10_RESULT {"requests":%d,"seconds":%.3f,"requests_per_second":%.1f,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
