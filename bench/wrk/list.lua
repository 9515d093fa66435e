-- A page of 100, filtered and sorted: filter[country], sort=-company_size.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
wrk.headers["Authorization"] = ids.key
wrk.path = "/organizations?filter%5Bcountry%5D=Country%207&sort=-company_size&page%5Bsize%5D=100"
