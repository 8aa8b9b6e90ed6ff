-- wrk script for bench/run.sh (section `identity`): a login storm. Every connection
-- POSTs /api/v3/auth/login/ with a JSON username and password, and sends the next
-- login as soon as the answer arrives. The harness runs it in the background while it
-- measures `me` for another user, so the figures show what logins (password hashing,
-- the login write, the session) cost the requests that are not logins.
--
--   wrk -t1 -c32 -d7s --latency -s bench/login_storm.lua http://127.0.0.1:PORT \
--       -- PREFIX COUNT PASSWORD
--
-- The logins go round-robin over the users PREFIX1 .. PREFIXCOUNT, which all have
-- PASSWORD: the harness's dedicated storm users (created for the run with a random
-- password), given as arguments so nothing secret is in here. The login throttle
-- counts an attempt from its start until it succeeds (at most
-- `security.login_max_failures`, 5, per username), so one user cannot take a storm of
-- concurrent logins: with COUNT at least the number of connections, about one login
-- per username is in flight. Each wrk thread keeps its own counter (the harness runs
-- one thread), starting at the thread's index. No cookie is sent: each request is a
-- fresh password login.
--
-- At the end it prints `login-status CODE COUNT` for every status seen and, when some
-- answer was not 200, one sample as `login-sample-status` / `login-sample-body` lines.

local threads = {}

function setup(thread)
   thread:set("offset", #threads)
   table.insert(threads, thread)
end

local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function init(args)
   local prefix, count, password = args[1], tonumber(args[2]), args[3]
   if prefix == nil or count == nil or count < 1 or password == nil then
      error("usage: -- PREFIX COUNT PASSWORD")
   end
   logins = {}
   for i = 1, count do
      local body = '{"username":' .. json_string(prefix .. i) .. ',"password":'
         .. json_string(password) .. '}'
      logins[i] = wrk.format("POST", "/api/v3/auth/login/",
                             { ["Content-Type"] = "application/json" },
                             body)
   end
   next_login = (offset or 0) % count
   statuses = {}
   sample_status, sample_body = nil, nil
end

function request()
   local req = logins[next_login + 1]
   next_login = (next_login + 1) % #logins
   return req
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status ~= 200 and sample_status == nil then
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
      io.write(string.format("login-status %d %d\n", code, count))
   end
   for _, t in ipairs(threads) do
      local st = t:get("sample_status")
      if st then
         io.write(string.format("login-sample-status %d\n", st))
         io.write("login-sample-body " .. tostring(t:get("sample_body")):sub(1, 600) .. "\n")
         break
      end
   end
end
