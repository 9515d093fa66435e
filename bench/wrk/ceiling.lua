-- The ceiling: the same request shape as get_one, against the fixed-document server.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
wrk.headers["Authorization"] = ids.key
function request()
  return wrk.format("GET", "/organizations/" .. ids.random_id())
end
