-- Every request asks for a different search term, so the per-process page cache never hits.
math.randomseed(os.time())
local letters = "abcdefghijklmnopqrstuvwxyz"
request = function()
  local term = ""
  for _ = 1, 2 do
    local i = math.random(1, #letters)
    term = term .. letters:sub(i, i)
  end
  return wrk.format("GET", "/clients?page_size=20&search=" .. term .. "&page=" .. math.random(1, 3))
end
