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

function M.seed(thread_number)
  math.randomseed(os.time() * 1000 + thread_number)
end

return M
