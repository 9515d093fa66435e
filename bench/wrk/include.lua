-- The first page (100) with its owners: include=owner.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
wrk.headers["Authorization"] = ids.key
wrk.path = "/organizations?include=owner"
