-- The requests of fleetdesk's benchmark, for wrk (run by scripts/bench). Environment:
--   BENCH_SCENARIO   get-device | post-reading | list-cases | post-case
--   BENCH_TOKEN      a bearer token of the customer administrator whose devices these are
--   BENCH_DEVICE_FILE  a file of device ids, one per line
--   BENCH_BODY       post-reading: the JSON body (the same values are a rise for every device)
--   BENCH_THREADS    wrk's -t, so that threads take different devices
--   BENCH_FIRST, BENCH_PROCESS, BENCH_PROCESSES
--                    post-reading: this run's first device, and which share of the devices this
--                    load generator takes when several run at once (each device once a day)
--   BENCH_DELAY_MS   the mean pause before each request on a connection (a paced run), 0 for none
-- done() prints one line `BENCH {json}` that scripts/bench reads.
--
-- There is no response() hook: with one, wrk hands every response's headers and body to Lua,
-- which took about 4 µs of the two shared cores per request (a sixth of wrk's own time per
-- request in a GET /devices/{id} run). wrk counts answers over 399 itself; scripts/bench reads
-- from the server's /metrics which statuses it sent.

local scenario = os.getenv("BENCH_SCENARIO")
local token = os.getenv("BENCH_TOKEN")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local ids = {}
local sent = 0
local headers = {}
local body_template = nil

function init(args)
  for line in io.lines(os.getenv("BENCH_DEVICE_FILE")) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time() * 1000 + tid)
  headers["Authorization"] = "Bearer " .. token
  headers["Content-Type"] = "application/json"
  body_template = os.getenv("BENCH_BODY")
end

local function random_device()
  return ids[math.random(#ids)]
end

-- post-reading: thread t of T in load generator p of P takes devices first + (i*T + t)*P + p.
local function next_device()
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  local first = tonumber(os.getenv("BENCH_FIRST") or "0")
  local process = tonumber(os.getenv("BENCH_PROCESS") or "0")
  local processes = tonumber(os.getenv("BENCH_PROCESSES") or "1")
  local index = first + (sent * nthreads + tid) * processes + process
  sent = sent + 1
  return ids[(index % #ids) + 1]
end

function request()
  if scenario == "get-device" then
    return wrk.format("GET", "/api/v1/devices/" .. random_device(), headers)
  elseif scenario == "post-reading" then
    return wrk.format("POST", "/api/v1/devices/" .. next_device() .. "/meter-readings", headers, body_template)
  elseif scenario == "list-cases" then
    return wrk.format("GET", "/api/v1/cases?sort=deadline&limit=50", headers)
  elseif scenario == "post-case" then
    local body = '{"device_id":"' .. random_device() ..
      '","category":"fault","summary":"Paper jam in tray 2","description":"Jams on every job; error E-041."}'
    return wrk.format("POST", "/api/v1/cases", headers, body)
  end
  error("unknown BENCH_SCENARIO " .. tostring(scenario))
end

-- A paced run: each connection pauses before its next request for a random time, exponentially
-- distributed around BENCH_DELAY_MS, so that connections send independently of each other (the
-- arrivals of many clients, as pgbench -R schedules its anchor's), not in step: with the same
-- pause for all, connections started together drift apart only as their response times differ.
if delay_ms > 0 then
  function delay()
    return math.floor(-math.log(1 - math.random()) * delay_ms + 0.5)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"socket_errors":%d,"over_399":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
