-- PATCH one attribute of an organization chosen at random.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
ids.per_thread()
wrk.headers["Authorization"] = ids.key
wrk.headers["Content-Type"] = "application/vnd.api+json"
function request()
  local id = ids.random_id()
  local body = string.format(
    '{"data":{"type":"organizations","id":"%s","attributes":{"city":"City %d"}}}',
    id, math.random(1000))
  return wrk.format("PATCH", "/organizations/" .. id, nil, body)
end
