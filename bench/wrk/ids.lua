-- Shared by the scenarios: the key, and organization ids to pick from at random.
-- wrk runs each script once per thread; every thread gets its own random sequence.
local M = {}

M.key = "Token " .. os.getenv("BENCH_KEY")

M.ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  M.ids[#M.ids + 1] = line
end

function M.random_id()
  return M.ids[math.random(#M.ids)]
end

-- Numbers wrk's threads (the global `number` in each) and gives each its own random
-- sequence. wrk looks for `setup` and `init` as globals of the scenario's script.
function M.per_thread()
  local threads = 0
  setup = function(thread) threads = threads + 1; thread:set("number", threads) end
  init = function() math.randomseed(os.time() * 1000 + number) end
end

return M
