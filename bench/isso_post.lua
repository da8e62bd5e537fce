-- Comment posting to Isso for wrk (bench/isso_posting.py), the same load as
-- bench/discussions_post.lua: each wrk thread is one poster with one connection, a
-- new email and text at every request, to a random one of the articles. Isso's
-- POST /new?uri=... takes JSON (its CSRF rule: a Content-Type other than
-- application/json is refused) and answers 201 to a new comment; Origin and Referer
-- are those a browser sends from the article page (Isso's CORS reads Origin).
-- Arguments: the site's origin (http://host:port), then the number of articles.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("poster", #threads)
  thread:set("refused", 0)
  thread:set("other_status", 0)
end

function init(args)
  origin = args[1]
  articles = tonumber(args[2])
  sent = 0
  refused = 0
  math.randomseed(poster * 7919 + os.time())
end

function request()
  sent = sent + 1
  local article = math.random(articles)
  local body = string.format(
    '{"text": "Commentaire de charge %d du posteur %d.", "author": "Posteur %d", '
      .. '"email": "p%d-%d@bench.example", "website": null}',
    sent, poster, poster, poster, sent
  )
  local headers = {
    ["Content-Type"] = "application/json",
    ["Origin"] = origin,
    ["Referer"] = origin .. "/article-" .. article .. "/",
  }
  return wrk.format("POST", "/new?uri=%2Farticle-" .. article .. "%2F", headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
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
    "RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f not_201=%d errors=%d other_statuses=%s\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    refused_total,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    other_statuses == "" and "-" or other_statuses
  ))
end
