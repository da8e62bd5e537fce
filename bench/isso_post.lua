-- Comment posting to Isso for wrk (bench/isso_posting.py), the same load as
-- bench/discussions_post.lua: each wrk thread is one poster with one connection, a
-- new email and text at every request, to a random one of the articles. Isso's
-- POST /new?uri=... takes JSON (its CSRF rule: a Content-Type other than
-- application/json is refused) and answers 201 to a new comment; Origin and Referer
-- are those a browser sends from the article page (Isso's CORS reads Origin).
-- Arguments: the site's origin (http://host:port), then the number of articles.
-- (setup, the count of unexpected answers and the RESULT line: wrk_posters.lua)
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_posters.lua")
expected = 201

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
  answer_counted(status)
end
