-- Comment posting for wrk (bench/discussions_bench.py --client wrk): each wrk thread
-- is one poster with one connection, its own cookie (the server's identity cookie,
-- kept as a browser would), its own client addresses (X-Forwarded-For behind the
-- trusted loopback proxy) and a new email and text at every request, so that the
-- rate limits and the duplicate check run on every request without refusing honest
-- traffic. Arguments: the signed form token, then the article ids to post under.
-- (setup, the count of unexpected answers and the RESULT line: wrk_posters.lua)
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_posters.lua")
expected = 302

function init(args)
  token = args[1]
  targets = {}
  for i = 2, #args do
    targets[#targets + 1] = args[i]
  end
  sent = 0
  refused = 0
  math.randomseed(poster * 7919)
  -- a third octet and emails of this run's own: runs a few seconds apart (the
  -- warm-up, then the measure) do not send from the same addresses or emails, which
  -- the per-address and per-email limits (5 a minute) would refuse
  run = os.time() % 250
end

function request()
  sent = sent + 1
  local body = "nom=Posteur+" .. poster
    .. "&courriel=p" .. poster .. "-" .. run .. "-" .. sent .. "%40bench.example"
    .. "&consentement=on"
    .. "&texte=Commentaire+de+charge+" .. sent .. "+du+posteur+" .. poster .. "."
    .. "&debut=" .. token
    .. "&cle=" .. poster .. "-" .. sent
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = string.format(
      "10.%d.%d.%d", poster, (run + math.floor(sent / 250)) % 250, sent % 250 + 1
    ),
  }
  if cookie then
    headers["Cookie"] = cookie
  end
  local article = targets[math.random(#targets)]
  return wrk.format("POST", "/commentaires/" .. article .. "/poster/", headers, body)
end

function response(status, headers, body)
  -- (header names as the server wrote them: granian writes them in lower case)
  local set = headers["set-cookie"] or headers["Set-Cookie"]
  if set then
    cookie = set:match("^[^;]+")
  end
  answer_counted(status)
end
