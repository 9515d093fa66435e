-- Page 3 of 10, newest first: the README's `sort=-created_at`, which integrators ask for most.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
wrk.headers["Authorization"] = ids.key
wrk.path = "/organizations?page%5Bsize%5D=10&page%5Bnumber%5D=3&sort=-created_at"
