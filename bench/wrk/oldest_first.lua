-- The same page oldest first: `newest_first` must cost about what this costs.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
wrk.headers["Authorization"] = ids.key
wrk.path = "/organizations?page%5Bsize%5D=10&page%5Bnumber%5D=3&sort=created_at"
