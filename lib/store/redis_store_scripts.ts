/**
 * The Lua scripts behind {@linkcode RedisStore}. Each runs atomically in Redis, so two instances
 * appending to one session cannot interleave between the counter and the stream. Every script
 * touches only keys of one session (they share the `{sessionId}` hash tag, so in a Redis Cluster
 * they live in one slot); cross-session indexes are updated by separate commands.
 */

/**
 * Append a batch. KEYS: seq counter, stream, session hash. ARGV: maxLen, wallMs, then
 * (participantId, body JSON) pairs. The stream id is `<seq>-0`, so XRANGE by seq is direct;
 * MAXLEN `~` trims whole radix-tree nodes (at least `maxLen` entries stay, up to one node more).
 * Returns the first seq of the batch, or an error when the session does not exist.
 */
export const APPEND_LUA = `
if redis.call('EXISTS', KEYS[3]) == 0 then return redis.error_reply('NOSESSION') end
local n = (#ARGV - 2) / 2
local last = redis.call('INCRBY', KEYS[1], n)
local first = last - n + 1
for i = 0, n - 1 do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], string.format('%d-0', first + i),
    'p', ARGV[3 + 2 * i], 'w', ARGV[2], 'b', ARGV[4 + 2 * i])
end
redis.call('HSET', KEYS[3], 'lastActivityWallMs', ARGV[2])
return first
`;

/** Create a session. KEYS: session hash. ARGV: wallMs. Returns 1 when created, 0 when it existed. */
export const CREATE_SESSION_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'createdWallMs', ARGV[1], 'lastActivityWallMs', ARGV[1])
return 1
`;

/** Put a participant. KEYS: session hash, participants hash. ARGV: participantId, record JSON. */
export const PUT_PARTICIPANT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOSESSION') end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

/**
 * Claim a participant. KEYS: claim key. ARGV: instanceId, ttlMs. A live claim by another
 * instance refuses (0); a claim already held by this instance is renewed (1).
 */
export const CLAIM_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** Renew one claim if still held. KEYS: claim key. ARGV: instanceId, ttlMs. Returns 1 if renewed. */
export const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** Release a claim only by its holder. KEYS: claim key. ARGV: instanceId. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Bounds. KEYS: seq counter, stream. Returns {oldestSeq, lastSeq}. */
export const BOUNDS_LUA = `
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
local oldest = last + 1
if #head > 0 then oldest = tonumber(string.match(head[1][1], '^(%d+)')) end
return {oldest, last}
`;

/** Append a turn. KEYS: turns list. ARGV: turn JSON, keep. */
export const APPEND_TURN_LUA = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return 1
`;

/**
 * Erase one participant in one atomic pass (at most the stream's MAXLEN entries, so Redis is
 * busy for milliseconds): XDEL their events (other events keep their ids, hence their seq),
 * drop their record and claim, rewrite the turns list without theirs.
 * KEYS: stream, participants hash, claim key, turns list. ARGV: participantId.
 * Returns {events, participants, turns}.
 */
export const DELETE_PARTICIPANT_LUA = `
local pid = ARGV[1]
local events = 0
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
local ids = {}
for _, e in ipairs(entries) do
  local f = e[2]
  for i = 1, #f, 2 do
    if f[i] == 'p' then
      if f[i + 1] == pid then ids[#ids + 1] = e[1] end
      break
    end
  end
  if #ids >= 500 then
    events = events + redis.call('XDEL', KEYS[1], unpack(ids))
    ids = {}
  end
end
if #ids > 0 then events = events + redis.call('XDEL', KEYS[1], unpack(ids)) end
local participants = redis.call('HDEL', KEYS[2], pid)
redis.call('DEL', KEYS[3])
local turns = 0
local all = redis.call('LRANGE', KEYS[4], 0, -1)
if #all > 0 then
  local keep = {}
  for _, t in ipairs(all) do
    local ok, rec = pcall(cjson.decode, t)
    if ok and rec.participantId == pid then turns = turns + 1 else keep[#keep + 1] = t end
  end
  if turns > 0 then
    redis.call('DEL', KEYS[4])
    if #keep > 0 then redis.call('RPUSH', KEYS[4], unpack(keep)) end
  end
end
return {events, participants, turns}
`;

/**
 * Trim a session's events older than a wall time. Stream ids are seqs, not times, so the head is
 * scanned (entries are in publication order, so wall times rise but for clock skew between
 * instances) up to the first entry at or after the cutoff, and everything before it goes by
 * XTRIM MINID. KEYS: stream. ARGV: cutoffWallMs. Returns the number of events removed.
 */
export const TRIM_BEFORE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cutoff = tonumber(ARGV[1])
local start = '-'
while true do
  local chunk = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', 256)
  if #chunk == 0 then
    local info = redis.call('XINFO', 'STREAM', KEYS[1])
    local lastId
    for i = 1, #info, 2 do if info[i] == 'last-generated-id' then lastId = info[i + 1] end end
    local seq = tonumber(string.match(lastId, '^(%d+)'))
    return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', seq + 1))
  end
  for _, e in ipairs(chunk) do
    local f = e[2]
    for i = 1, #f, 2 do
      if f[i] == 'w' then
        if tonumber(f[i + 1]) >= cutoff then return redis.call('XTRIM', KEYS[1], 'MINID', e[1]) end
        break
      end
    end
  end
  start = '(' .. chunk[#chunk][1]
end
`;
