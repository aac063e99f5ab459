-- Signed-in support toggles: each request is one resident supporting, or withdrawing their
-- support from, one need, as the need page's button does (htmx, so the answer is the 200
-- fragment, not a redirect). The people, their sessions and their needs come from a file the
-- bench writes (BENCH_SUPPORTERS: one "session csrf need" line each); they are taken in turn,
-- and each person's own next request alternates between supporting and withdrawing.
-- With BENCH_SIGNED_IN_ONLY=1 the same requests go to /bench/signed-in, which checks the session
-- and the CSRF token and writes nothing: the ceiling for the toggles on this server.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local people = {}
for line in io.lines(os.getenv("BENCH_SUPPORTERS")) do
  local session, csrf, need = line:match("(%S+) (%S+) (%S+)")
  people[#people + 1] = {session = session, csrf = csrf, need = need, supported = false}
end
local turn = 0
local signed_in_only = os.getenv("BENCH_SIGNED_IN_ONLY") == "1"

request = function()
  turn = turn % #people + 1
  local person = people[turn]
  local action = person.supported and "unsupport" or "support"
  person.supported = not person.supported
  local headers = {
    ["Cookie"] = "sessionid=" .. person.session .. "; csrftoken=" .. person.csrf,
    ["X-CSRFToken"] = person.csrf,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = "http://127.0.0.1/needs/" .. person.need .. "/",
  }
  local path = "/needs/" .. person.need .. "/support/"
  if signed_in_only then
    path = "/bench/signed-in"
  end
  return wrk.format("POST", path, headers, "action=" .. action)
end
