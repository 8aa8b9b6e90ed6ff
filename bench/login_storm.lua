-- wrk script for bench/run.sh (section `identity`): a login storm. Every connection
-- POSTs /api/v3/auth/login/ with a JSON username and password, and sends the next
-- login as soon as the answer arrives. The harness runs it in the background while it
-- measures `me` for another user, so the figures show what logins (password hashing,
-- the login write, the session) cost the requests that are not logins.
--
--   wrk -t1 -c32 -d7s --latency -s bench/login_storm.lua http://127.0.0.1:PORT \
--       -- USERNAME PASSWORD
--
-- USERNAME and PASSWORD are the harness's dedicated storm user (created for the run with
-- a random password), given as arguments so nothing secret is in here. No cookie is
-- sent: each request is a fresh password login.
--
-- At the end it prints `login-status CODE COUNT` for every status seen and, when some
-- answer was not 200, one sample as `login-sample-status` / `login-sample-body` lines.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local function json_string(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function init(args)
   local username, password = args[1], args[2]
   if username == nil or password == nil then
      error("usage: -- USERNAME PASSWORD")
   end
   local body = '{"username":' .. json_string(username) .. ',"password":'
      .. json_string(password) .. '}'
   login = wrk.format("POST", "/api/v3/auth/login/",
                      { ["Content-Type"] = "application/json" },
                      body)
   statuses = {}
   sample_status, sample_body = nil, nil
end

function request()
   return login
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
