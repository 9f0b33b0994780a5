-- jrego token budgets in Redis: one script, one round trip per call, atomic because Redis runs
-- a script alone. Time is Redis's own (TIME), so replicas with skewed clocks agree on windows
-- and lease ends.
--
-- ARGV: op, prefix, charge_on_expiry ('1'|'0'), lease_ms, retention_ms, then per op:
--   reserve: id, estimate, n, then n x (key, window_ms, limit_tokens, limit_requests, max_concurrent)
--   settle:  id, actual
--   release: id
--   usage:   key, window_ms
-- Keys (under prefix P):
--   P w:<key>:<window_ms>:<start>  hash u (used), r (reserved), q (requests); expires one lease
--                                  after the window ends
--   P c:<key>                      open reservations (concurrency)
--   P r:<id>                       hash e (estimate), s (o open, s settled, x ended unsettled),
--                                  a (charged when ended), w / c (its window and concurrency keys)
--   P leases                       sorted set of open reservation ids by lease end
local op = ARGV[1]
local P = ARGV[2]
local charge = ARGV[3] == '1'
local lease = tonumber(ARGV[4])
local retention = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local LEASES = P .. 'leases'

local function split(s)
  local out = {}
  if s then
    for part in string.gmatch(s, '[^\n]+') do
      out[#out + 1] = part
    end
  end
  return out
end

-- Ends an open reservation: its estimate leaves 'reserved', 'amount' is charged as used.
local function close(rk, id, est, amount, state)
  for _, wk in ipairs(split(redis.call('HGET', rk, 'w'))) do
    if redis.call('EXISTS', wk) == 1 then
      redis.call('HINCRBY', wk, 'r', -est)
      if amount ~= 0 then
        redis.call('HINCRBY', wk, 'u', amount)
      end
    end
  end
  for _, ck in ipairs(split(redis.call('HGET', rk, 'c'))) do
    if redis.call('DECR', ck) <= 0 then
      redis.call('DEL', ck)
    end
  end
  redis.call('HSET', rk, 's', state, 'a', amount)
  redis.call('PEXPIRE', rk, retention)
  redis.call('ZREM', LEASES, id)
end

-- Ends up to 64 lapsed leases, as the policy says.
local function expire()
  local due = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now, 'LIMIT', 0, 64)
  for _, id in ipairs(due) do
    local rk = P .. 'r:' .. id
    if redis.call('HGET', rk, 's') == 'o' then
      local est = tonumber(redis.call('HGET', rk, 'e'))
      close(rk, id, est, charge and est or 0, 'x')
    else
      redis.call('ZREM', LEASES, id)
    end
  end
end

expire()

if op == 'reserve' then
  local id = ARGV[6]
  local est = tonumber(ARGV[7])
  local n = tonumber(ARGV[8])
  local rk = P .. 'r:' .. id
  local dup = redis.call('EXISTS', rk) == 1
  local wks, cks, rem = {}, {}, {}
  for i = 0, n - 1 do
    local b = 9 + i * 5
    local key = ARGV[b]
    local wms = tonumber(ARGV[b + 1])
    local lt = tonumber(ARGV[b + 2])
    local lr = tonumber(ARGV[b + 3])
    local mc = tonumber(ARGV[b + 4])
    local start = now - (now % wms)
    local wk = P .. 'w:' .. key .. ':' .. wms .. ':' .. start
    local ck = P .. 'c:' .. key
    local v = redis.call('HMGET', wk, 'u', 'r', 'q')
    local used = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
    local reqs = tonumber(v[3]) or 0
    local open = tonumber(redis.call('GET', ck)) or 0
    local reset = start + wms - now
    if not dup then
      if lt >= 0 and used + est > lt then
        return {0, i, 'tokens', math.max(0, lt - used), reset}
      end
      if lr >= 0 and reqs + 1 > lr then
        return {0, i, 'requests', math.max(0, lr - reqs), reset}
      end
      if mc >= 0 and open + 1 > mc then
        return {0, i, 'concurrent', math.max(0, mc - open), 1000}
      end
    end
    wks[i + 1] = wk
    cks[i + 1] = ck
    rem[i + 1] = {used, reqs, reset}
  end
  if not dup then
    for i = 1, n do
      redis.call('HINCRBY', wks[i], 'r', est)
      redis.call('HINCRBY', wks[i], 'q', 1)
      redis.call('PEXPIREAT', wks[i], now + rem[i][3] + lease)
      redis.call('INCR', cks[i])
      redis.call('PEXPIRE', cks[i], lease + retention)
      rem[i][1] = rem[i][1] + est
      rem[i][2] = rem[i][2] + 1
    end
    redis.call('HSET', rk, 'e', est, 's', 'o', 'w', table.concat(wks, '\n'), 'c', table.concat(cks, '\n'))
    redis.call('PEXPIRE', rk, lease + retention)
    redis.call('ZADD', LEASES, now + lease, id)
  end
  local out = {1}
  for i = 1, n do
    out[#out + 1] = rem[i][1]
    out[#out + 1] = rem[i][2]
    out[#out + 1] = rem[i][3]
  end
  return out
end

if op == 'settle' or op == 'release' then
  local id = ARGV[6]
  local rk = P .. 'r:' .. id
  local st = redis.call('HGET', rk, 's')
  if not st then
    return {'unknown', 0, 0, 0}
  end
  if st == 's' or (op == 'release' and st ~= 'o') then
    return {'already', 0, 0, 0}
  end
  local est = tonumber(redis.call('HGET', rk, 'e'))
  if op == 'release' then
    local amount = charge and est or 0
    close(rk, id, est, amount, 'x')
    return {'settled', amount, est - amount, 0}
  end
  local actual = tonumber(ARGV[7])
  if st == 'o' then
    close(rk, id, est, actual, 's')
    return {'settled', actual, math.max(0, est - actual), math.max(0, actual - est)}
  end
  -- Ended unsettled: replace what the lease's end charged by the actual usage.
  local correction = actual - (tonumber(redis.call('HGET', rk, 'a')) or 0)
  for _, wk in ipairs(split(redis.call('HGET', rk, 'w'))) do
    if redis.call('EXISTS', wk) == 1 and redis.call('HINCRBY', wk, 'u', correction) < 0 then
      redis.call('HSET', wk, 'u', 0)
    end
  end
  redis.call('HSET', rk, 's', 's')
  return {'corrected', correction, math.max(0, est - actual), math.max(0, actual - est)}
end

if op == 'usage' then
  local wms = tonumber(ARGV[7])
  local start = now - (now % wms)
  local v = redis.call('HMGET', P .. 'w:' .. ARGV[6] .. ':' .. wms .. ':' .. start, 'u', 'r', 'q')
  local open = tonumber(redis.call('GET', P .. 'c:' .. ARGV[6])) or 0
  return {tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, open}
end

return redis.error_reply('jrego budget script: unknown op ' .. tostring(op))
