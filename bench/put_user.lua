-- wrk script for bench/run.sh (section `directory`): PUT /api/v3/core/users/{pk}/ on a
-- random seeded user per request, with the same username, groups and roles and a
-- changed name.
--
--   wrk -t2 -c64 -d10s --latency -s bench/put_user.lua \
--       -H 'Cookie: ...' -H 'X-Standin-CSRF: ...' -H 'Content-Type: application/json' \
--       http://127.0.0.1:PORT -- POOL_FILE
--
-- POOL_FILE is written by bench/seed_directory.py, one user a line:
--   pk <TAB> username as JSON <TAB> name, JSON-escaped <TAB> group uuids <TAB> role uuids
-- Authentication comes from the -H headers (wrk.headers), so nothing secret is in here.
--
-- At the end it prints `put-status CODE COUNT` for every status seen and, when some
-- answer was not 2xx, one sample as `put-sample-status` / `put-sample-body` lines.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

local pool, n, counter = {}, 0, 0

function init(args)
   local file = args[1]
   for line in io.lines(file) do
      local pk, username, name, groups, roles =
         line:match("^(%d+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
      if pk then
         n = n + 1
         pool[n] = {
            "/api/v3/core/users/" .. pk .. "/",
            '{"username":' .. username .. ',"groups":' .. groups .. ',"roles":' .. roles
               .. ',"name":"' .. name .. ' (edit ',
         }
      end
   end
   if n == 0 then
      error("no users read from " .. tostring(file))
   end
   math.randomseed(os.time() * 97 + (id or 0))
   statuses = {}
   sample_status, sample_body, sample_path = nil, nil, nil
end

function request()
   local u = pool[math.random(n)]
   counter = counter + 1
   last_path = u[1]
   return wrk.format("PUT", u[1], nil, u[2] .. id .. "-" .. counter .. ')"}')
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if (status < 200 or status > 299) and sample_status == nil then
      sample_status = status
      -- With several connections per thread, the last request sent is not always the
      -- one this answers: the path is only a likely candidate.
      sample_path = last_path
      sample_body = body
   end
end

function done(summary, latency, requests)
   local total = {}
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      if s then
         for code, count in pairs(s) do
            total[code] = (total[code] or 0) + count
         end
      end
   end
   for code, count in pairs(total) do
      io.write(string.format("put-status %d %d\n", code, count))
   end
   for _, t in ipairs(threads) do
      local st = t:get("sample_status")
      if st then
         io.write(string.format("put-sample-status %d (likely path %s)\n", st,
                                tostring(t:get("sample_path"))))
         io.write("put-sample-body " .. tostring(t:get("sample_body")):sub(1, 600) .. "\n")
         break
      end
   end
end
