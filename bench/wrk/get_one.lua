-- GET one organization, chosen at random.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
local threads = 0
function setup(thread) threads = threads + 1; thread:set("number", threads) end
function init() ids.seed(number) end
wrk.headers["Authorization"] = ids.key
function request()
  return wrk.format("GET", "/organizations/" .. ids.random_id())
end
