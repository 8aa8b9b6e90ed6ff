-- wrk script for bench/run.sh (section `identity`): stack-floor's PUT /users/{id} on a
-- random user id per request, side by side with standin's PUT load (put_user.lua).
--
--   wrk -t2 -c64 -d5s --latency -s bench/floor_put.lua -H 'Cookie: id=...' \
--       http://127.0.0.1:9911 -- [USERS]
--
-- USERS (default 100000) is the number of users stack-floor seeded: ids are 1..USERS.
-- stack-floor's PUT reads no body (it appends to the name, inserts an event and reloads
-- the user), so none is sent. The cookie comes from the -H header (wrk.headers).
--
-- At the end it prints `floor-put-status CODE COUNT` for every status seen and, when
-- some answer was not 2xx, one sample as `floor-put-sample-status` /
-- `floor-put-sample-body` lines.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   users = tonumber(args[1] or "100000")
   if users == nil or users < 1 then
      error("bad user count " .. tostring(args[1]))
   end
   math.randomseed(os.time() * 97 + (id or 0))
   statuses = {}
   sample_status, sample_body = nil, nil
end

function request()
   return wrk.format("PUT", "/users/" .. math.random(users))
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if (status < 200 or status > 299) and sample_status == nil then
      sample_status = status
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
      io.write(string.format("floor-put-status %d %d\n", code, count))
   end
   for _, t in ipairs(threads) do
      local st = t:get("sample_status")
      if st then
         io.write(string.format("floor-put-sample-status %d\n", st))
         io.write("floor-put-sample-body " .. tostring(t:get("sample_body")):sub(1, 600) .. "\n")
         break
      end
   end
end
