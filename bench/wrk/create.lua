-- POST a new organization; names are unique per run, thread and request.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
ids.per_thread()
local counter = 0
local run = os.time()
wrk.headers["Authorization"] = ids.key
wrk.headers["Content-Type"] = "application/vnd.api+json"
function request()
  counter = counter + 1
  local body = string.format(
    '{"data":{"type":"organizations","attributes":{"name":"Bench %d-%d-%d","city":"Wavre","lists":["bench"]}}}',
    run, number, counter)
  return wrk.format("POST", "/organizations", nil, body)
end
