/**
 * The glossary's Lua scripts. Each names its keys (keys.ts) and gets the
 * index helpers below; what goes into an index entry is computed in
 * JavaScript (indexes.ts) and passed in, so Lua never re-derives it.
 */
import { defineScript, FORM_INDEX_LUA, type KeyName } from './keys.js';

/** Needs K.idx, K.forms, K.keep, K.stats, K.text, K.freq. `rec` is an IndexRecord. */
const INDEX_LUA = `${FORM_INDEX_LUA}
local function index_rm(id, rec, indexed)
  for _, s in ipairs(rec.sets) do redis.call('ZREM', K.idx .. s, id) end
  for _, f in ipairs(rec.forms) do idx_rm(K.forms, f, id) end
  for _, f in ipairs(rec.keeps) do idx_rm(K.keep, f, id) end
  -- Counters only move for a term that was counted (a store being migrated has terms that were not yet).
  if indexed then
    for _, f in ipairs(rec.stats) do
      if redis.call('HINCRBY', K.stats, f, -1) <= 0 then redis.call('HDEL', K.stats, f) end
    end
  end
end
local function index_add(id, rec, score)
  for _, s in ipairs(rec.sets) do redis.call('ZADD', K.idx .. s, score, id) end
  -- Which index sets exist (languages are open-ended), so that clear() can find them.
  redis.call('SADD', K.idx .. 'keys', unpack(rec.sets))
  redis.call('ZADD', K.idx .. 'ids', 0, id)
  for _, f in ipairs(rec.forms) do idx_add(K.forms, f, id) end
  for _, f in ipairs(rec.keeps) do idx_add(K.keep, f, id) end
  for _, f in ipairs(rec.stats) do redis.call('HINCRBY', K.stats, f, 1) end
  redis.call('HSET', K.text, id, rec.text)
end
-- The frequency index ranks every proposed term by the freq hash (0 for one no article used yet): what reviewers see first.
local function sync_freq(id, status)
  if status == 'proposed' then
    redis.call('ZADD', K.idx .. 'freq', redis.call('HGET', K.freq, id) or 0, id)
  else
    redis.call('ZREM', K.idx .. 'freq', id)
  end
end
local function indexed(id)
  return redis.call('ZSCORE', K.idx .. 'ids', id) ~= false
end
`;

const INDEX_KEYS: KeyName[] = ['idx', 'forms', 'keep', 'stats', 'text', 'freq'];

/**
 * A person's planned change (see store.ts `write`).
 * ARGV: expected rev, new version ('' = unchanged), JSON ops:
 *   absent   ids that must still not exist (a suggestion may have created one since the snapshot)
 *   expired  [id, cutoff]: suggestions being expired, kept if an article used them again since
 *   del      [{id, old: IndexRecord}]
 *   put      [{id, json, approved ('' = not approved), status, score, old?: IndexRecord, new: IndexRecord, freq?, example?}]
 *            freq/example absent = unchanged, '' = remove
 *   seeded   boolean
 * Returns 1, or 0 when the snapshot the ops were planned on is stale.
 */
export const APPLY = defineScript(
  ['terms', 'approved', 'version', 'rev', 'seeded', 'example', 'articles', 'expiry', ...INDEX_KEYS],
  `${INDEX_LUA}
local rev = redis.call('GET', K.rev) or '0'
if rev ~= ARGV[1] then return 0 end
local ops = cjson.decode(ARGV[3])
for _, id in ipairs(ops.absent) do
  if redis.call('HEXISTS', K.terms, id) == 1 then return 0 end
end
-- An expiring suggestion that an article used again since the sweep read it is spared.
local spared = {}
for _, e in ipairs(ops.expired) do
  local seen = redis.call('ZSCORE', K.expiry, e[1])
  if not seen or tonumber(seen) > e[2] then spared[e[1]] = true end
end
for _, d in ipairs(ops.del) do
  if not spared[d.id] then
    local was = indexed(d.id)
    for _, h in ipairs({K.terms, K.approved, K.freq, K.example, K.text, K.articles}) do redis.call('HDEL', h, d.id) end
    redis.call('ZREM', K.expiry, d.id)
    redis.call('ZREM', K.idx .. 'freq', d.id)
    redis.call('ZREM', K.idx .. 'ids', d.id)
    index_rm(d.id, d.old, was)
  end
end
for _, p in ipairs(ops.put) do
  redis.call('HSET', K.terms, p.id, p.json)
  if p.approved == '' then redis.call('HDEL', K.approved, p.id) else redis.call('HSET', K.approved, p.id, p.approved) end
  local was = indexed(p.id)
  if p.old then index_rm(p.id, p.old, was) end
  index_add(p.id, p.new, p.score)
  if p.freq then
    if p.freq == '' then redis.call('HDEL', K.freq, p.id) else redis.call('HSET', K.freq, p.id, p.freq) end
  end
  if p.example then
    if p.example == '' then redis.call('HDEL', K.example, p.id) else redis.call('HSET', K.example, p.id, p.example) end
  end
  sync_freq(p.id, p.status)
  -- A person acted on it: it is no longer a suggestion that can expire.
  redis.call('ZREM', K.expiry, p.id)
end
if ARGV[2] ~= '' then redis.call('SET', K.version, ARGV[2]) end
if ops.seeded then redis.call('SET', K.seeded, '1') end
redis.call('INCR', K.rev)
return 1
`,
);

/**
 * Records one article's candidates, touching only their own index fields and terms.
 * ARGV: JSON list of {form, keep, n, example, id, json, rec} (id '' = the candidate cannot become a term),
 * now (ms), the article's hash ('' = unknown: count every call), how many article hashes a term keeps,
 * how many new terms the article may create (0 = no cap; candidates come most frequent first).
 * Returns {created, merged, skipped, repeated}, or -1 while the store still has an older layout.
 */
export const SUGGEST = defineScript(
  ['terms', 'example', 'layout', 'articles', 'expiry', ...INDEX_KEYS],
  `${INDEX_LUA}
if redis.call('GET', K.layout) ~= '3' then return -1 end
local now, article, keep_articles, max_new = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local created, merged, skipped, repeated = 0, 0, 0, 0
local function lookup(c)
  local ids = redis.call('HGET', K.forms, c.form)
  if not ids then ids = redis.call('HGET', K.keep, c.keep) end
  if not ids then return nil, false end
  local target = nil
  for id in string.gmatch(ids, '%S+') do
    local json = redis.call('HGET', K.terms, id)
    if json then
      if cjson.decode(json).status ~= 'proposed' then return nil, true end
      if not target then target = id end
    end
  end
  return target, false
end
-- Has this article been counted into the term already? If not, remember it (the oldest hash goes past the bound).
local function first_time(id)
  if article == '' then return true end
  local seen = redis.call('HGET', K.articles, id)
  if not seen then redis.call('HSET', K.articles, id, article) return true end
  local list = {}
  for h in string.gmatch(seen, '%S+') do
    if h == article then return false end
    list[#list + 1] = h
  end
  list[#list + 1] = article
  while #list > keep_articles do table.remove(list, 1) end
  redis.call('HSET', K.articles, id, table.concat(list, ' '))
  return true
end
for _, c in ipairs(cjson.decode(ARGV[1])) do
  local target, decided = lookup(c)
  if decided then
    skipped = skipped + 1
  elseif target then
    if first_time(target) then
      merged = merged + 1
      redis.call('HINCRBY', K.freq, target, c.n)
      if c.example ~= '' then redis.call('HSETNX', K.example, target, c.example) end
      sync_freq(target, 'proposed')
      -- Seen again: an untouched suggestion lives on (XX: only those that can expire are in the set).
      redis.call('ZADD', K.expiry, 'XX', now, target)
    else
      repeated = repeated + 1
    end
  elseif c.id == '' or redis.call('HEXISTS', K.terms, c.id) == 1 or (max_new > 0 and created >= max_new) then
    -- Unusable, its id belongs to a term with another spelling (leave that term alone), or over the article's cap.
    skipped = skipped + 1
  else
    created = created + 1
    redis.call('HSET', K.terms, c.id, c.json)
    redis.call('HSET', K.freq, c.id, c.n)
    if c.example ~= '' then redis.call('HSET', K.example, c.id, c.example) end
    index_add(c.id, c.rec, now)
    sync_freq(c.id, 'proposed')
    redis.call('ZADD', K.expiry, now, c.id)
    first_time(c.id)
  end
end
return {created, merged, skipped, repeated}
`,
);

/**
 * One chunk of the migration to this layout (migrate.ts). ARGV[1]: JSON list of
 * {id, json (as read), stored (the JSON to keep), freq?, example?, rec, score, status, seen (ms, or absent)}.
 * A term that changed since it was read, or is indexed already, is left alone; the ids that changed are returned.
 */
export const MIGRATE = defineScript(
  ['terms', 'example', 'expiry', ...INDEX_KEYS],
  `${INDEX_LUA}
local changed = {}
for _, e in ipairs(cjson.decode(ARGV[1])) do
  local cur = redis.call('HGET', K.terms, e.id)
  if cur ~= e.json then
    if cur then changed[#changed + 1] = e.id end
  elseif not indexed(e.id) then
    if e.stored ~= e.json then redis.call('HSET', K.terms, e.id, e.stored) end
    -- The first layout kept these inside the JSON; a value already in its own hash is newer.
    if e.freq then redis.call('HSETNX', K.freq, e.id, e.freq) end
    if e.example then redis.call('HSETNX', K.example, e.id, e.example) end
    index_add(e.id, e.rec, e.score)
    sync_freq(e.id, e.status)
    if e.seen then redis.call('ZADD', K.expiry, 'NX', e.seen, e.id) end
  end
end
return changed
`,
);

/**
 * A bounded step of a filtered listing: walks `count` members of one index set
 * from rank `start` (newest or most frequent first), keeps those in every
 * `checks` set whose text contains `q`, and returns the ones whose position
 * among matches falls in the page. Read-only.
 * ARGV: driver set, JSON list of check sets, q ('' = none), start, count, offset, limit, matches so far.
 * Returns {members walked, matches so far, page ids}.
 */
export const SCAN = defineScript(
  ['idx', 'text'],
  `
local items = redis.call('ZRANGE', K.idx .. ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[5]) - 1, 'REV')
local checks = cjson.decode(ARGV[2])
local q = ARGV[3]
local offset, limit, matched = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local page = {}
for _, id in ipairs(items) do
  local ok = true
  for _, s in ipairs(checks) do
    if redis.call('ZSCORE', K.idx .. s, id) == false then ok = false break end
  end
  if ok and q ~= '' then
    local text = redis.call('HGET', K.text, id)
    ok = text ~= false and string.find(text, q, 1, true) ~= nil
  end
  if ok then
    matched = matched + 1
    if matched > offset and matched <= offset + limit then page[#page + 1] = id end
  end
end
return {#items, matched, page}
`,
);
