-- wrk script of bench/token_endpoint.py: one request, repeated, and a check of each answer.
--
-- Everything comes from the environment, so no credential is on a command line:
--   BENCH_METHOD        GET or POST
--   BENCH_BODY          the form-encoded body of a POST (holds a client secret: never print it)
--   BENCH_COOKIE        a Cookie header (the console pages' session)
--   BENCH_EXPECT_BODY   a string each 200 answer must contain (empty: status only)
-- Every request carries X-Forwarded-Proto: https, as from the TLS proxy in front of gunicorn.
-- An answer counts as bad unless its status is 200 and its body holds BENCH_EXPECT_BODY.
-- done() prints one line, "BENCH key=value ...", that the Python script reads.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  expect = os.getenv("BENCH_EXPECT_BODY") or ""
  local headers = { ["X-Forwarded-Proto"] = "https" }
  local cookie = os.getenv("BENCH_COOKIE") or ""
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  local method = os.getenv("BENCH_METHOD") or "GET"
  local body = nil
  if method == "POST" then
    body = os.getenv("BENCH_BODY") or ""
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  request_bytes = wrk.format(method, nil, headers, body)
end

function request()
  return request_bytes
end

function response(status, headers, body)
  if status ~= 200 or (expect ~= "" and not string.find(body, expect, 1, true)) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d bad=%d " ..
    "connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, total_bad, e.connect, e.read, e.write, e.timeout, e.status))
end
