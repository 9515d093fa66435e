-- GET /healthz: routing, the middleware (request log, media type, the open-route check) and a
-- small JSON body, without authentication or storage. What orgbase costs before a handler
-- does any work, as a share of the ceiling.
package.path = "bench/wrk/?.lua;" .. package.path
local ids = require("ids")
wrk.headers["Authorization"] = ids.key
wrk.path = "/healthz"
