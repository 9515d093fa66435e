-- 90% GET one organization, 10% PATCH one, at random.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
ids.per_thread()
wrk.headers["Authorization"] = ids.key
function request()
  local id = ids.random_id()
  if math.random(10) > 1 then
    return wrk.format("GET", "/organizations/" .. id)
  end
  local body = string.format(
    '{"data":{"type":"organizations","id":"%s","attributes":{"city":"City %d"}}}',
    id, math.random(1000))
  return wrk.format("PATCH", "/organizations/" .. id,
    { ["Content-Type"] = "application/vnd.api+json", ["Authorization"] = ids.key }, body)
end
