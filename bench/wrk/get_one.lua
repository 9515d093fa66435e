-- GET one organization, chosen at random.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
ids.per_thread()
wrk.headers["Authorization"] = ids.key
function request()
  return wrk.format("GET", "/organizations/" .. ids.random_id())
end
