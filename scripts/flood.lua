-- wrk script for scripts/flood.sh: POST the example envelope to /alipay/phone with a
-- distinct random app id per request.
--
--   wrk -t2 -c16 -d30s -s scripts/flood.lua http://127.0.0.1:18080 -- RUN [LIMIT]
--
-- RUN (0-99) must differ between wrk invocations against one server; LIMIT (optional) stops
-- each thread after LIMIT/threads responses (wrk itself still waits out -d).
-- App id (18 digits): 6 random digits, RUN (2), thread (1), per-thread counter (9). The
-- last 12 digits are unique per request, so ids never repeat within or across runs; the random
-- prefix keeps them from sharing a long common prefix.

local envelope_path = os.getenv("FLOOD_ENVELOPE") or "examples/data/envelope.json"
local f = assert(io.open(envelope_path, "rb"))
local envelope = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = envelope
wrk.headers["Content-Type"] = "application/json"

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local run, limit, counter = 0, 0, 0
-- Globals, so done() can read them with thread:get.
seen, bad = 0, 0

function init(args)
  run = tonumber(args[1] or "0") % 100
  local total_limit = tonumber(args[2] or "0")
  local nthreads = tonumber(os.getenv("FLOOD_THREADS") or "1")
  if total_limit > 0 then limit = math.ceil(total_limit / nthreads) end
  math.randomseed(os.time() * 1000 + tid * 7919 + run * 104729)
  for _ = 1, 10 do math.random() end
end

function request()
  counter = counter + 1
  local id = string.format("%06d%02d%d%09d", math.random(0, 999999), run, tid % 10, counter)
  return wrk.format(nil, "/alipay/phone?app_id=" .. id)
end

-- Counts responses that are not HTTP 200 with {"status":"ok",...}.
function response(status, headers, body)
  seen = seen + 1
  if status ~= 200 or not string.find(body, '"status":"ok"', 1, true) then
    bad = bad + 1
  end
  if limit > 0 and seen >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local b, n = 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    n = n + (t:get("seen") or 0)
  end
  io.write(string.format("flood: bad responses %d of %d\n", b, n))
end
