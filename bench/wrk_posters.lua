-- What bench/discussions_post.lua and bench/isso_post.lua share: one poster per wrk
-- thread, each counting the answers that are not the expected status, and one RESULT
-- line at the end that bench/isso_posting.py's wrk_result() reads. A script loads it
-- with dofile(), then sets `expected` (the status of a new comment).
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("poster", #threads)
  thread:set("refused", 0)
  thread:set("other_status", 0)
end

function answer_counted(status)
  if status ~= expected then
    refused = refused + 1
    other_status = status
  end
end

function done(summary, latency, requests)
  local refused_total = 0
  local other_statuses = ""
  for _, thread in ipairs(threads) do
    refused_total = refused_total + thread:get("refused")
    local other = thread:get("other_status")
    if other and other ~= 0 then
      other_statuses = other_statuses .. other .. ","
    end
  end
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f unexpected=%d errors=%d other_statuses=%s\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    refused_total,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    other_statuses == "" and "-" or other_statuses
  ))
end
