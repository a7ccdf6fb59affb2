-- wrk load for bench/run: realistic, varied Solar Proof deliveries.
-- All six event types, each in its v1 shape (one object) or its v2 shape (the newer
-- docs: customer_created as the rich object keyed by customer_id, every other type
-- as an array holding one object). Ids are random so dedup never short-circuits;
-- BENCH_DUP_FRACTION (default 0.10) of requests re-send a body already sent, which
-- is what a provider's re-delivery looks like. The URL's path is used as is, so the
-- same script drives every peer. done() prints one machine-readable RESULT line.
local dup_fraction = tonumber(os.getenv("BENCH_DUP_FRACTION") or "0.10")
local ring_size = 4096
local ring = {}
local ring_len = 0
local ring_pos = 0
local headers = {["Content-Type"] = "application/json"}

math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)

local function id() return math.random(1, 2000000000) end

local statuses = {"No Status", "New Contacts", "Signed", "Mega Status"}
local kinds = {"RESIDENTIAL", "COMMERCIAL", "LARGE-SCALE"}

local makers = {
  -- customer_created v1
  function()
    return string.format('{"pkcustomerid":%d,"fkuserid":%d,"customer_email":"john.doe%d@example.com",' ..
      '"customer_name":"John Doe","customer_type":"%s","customer_status":%d}',
      id(), math.random(1, 500), math.random(1, 99999), kinds[math.random(1, 3)], math.random(0, 3))
  end,
  -- customer_created v2
  function()
    return string.format('{"customer_id":%d,"customer_uid":"a%07x","first_name":"Hussain","surname":"Shahab",' ..
      '"customer_name":"Hussain Shahab","phone_primary":"04%08d","phone_secondary":"",' ..
      '"customer_email":"s.hussain%d@gmail.com","company_name":"","company_phone":"","abn":"",' ..
      '"gst_registered":0,"customer_type_id":1,"customer_status_id":%d,' ..
      '"site_address":"%d Thuringowa Dr, Kirwan QLD 4817, Australia",' ..
      '"customer_created_at":"2025-10-16T12:00:00Z","customer_notes":"","assigned_user_id":%d,' ..
      '"assigned_user_name":"Chris Taeni","assigned_user_email":"phoenix.cst@gmail.com",' ..
      '"company_name_full":"Solar Proof"}',
      id(), math.random(0, 0xfffffff), math.random(0, 99999999), math.random(1, 99999),
      math.random(0, 3), math.random(1, 300), math.random(1, 500))
  end,
  -- customer_status_change v1
  function()
    local s = math.random(0, 3)
    return string.format('{"pkcustomerid":%d,"fkuserid":%d,"customer_email":"john.doe@example.com",' ..
      '"customer_name":"John Doe","old_status":1,"new_status":%d,"status_name":"%s"}',
      id(), math.random(1, 500), s, statuses[s + 1])
  end,
  -- customer_status_change v2 (array form)
  function()
    local s = math.random(0, 3)
    return string.format('[{"customer_id":%d,"assigned_user_id":%d,"customer_email":"john.doe@example.com",' ..
      '"customer_name":"John Doe","old_status":1,"new_status":%d,"status_name":"%s"}]',
      id(), math.random(1, 500), s, statuses[s + 1])
  end,
}
for _, activity in ipairs({"email_sent", "sms_sent", "published_proposal_link"}) do
  local fmt = '{"belongs_to_customer":%d,"belongs_to_user":%d,"activity_type":"' .. activity ..
    '","belongs_to_project":%d}'
  table.insert(makers, function() return string.format(fmt, id(), math.random(1, 500), id()) end)
  table.insert(makers, function() return "[" .. string.format(fmt, id(), math.random(1, 500), id()) .. "]" end)
end
-- recent_draft_project v1 and v2
local draft = '{"pkcustomerquotationid":%d,"fkuserid":%d,"quotenickname":"Smith Residence Solar",' ..
  '"siteaddress":"%d Main St, Sydney NSW 2000"}'
table.insert(makers, function() return string.format(draft, id(), math.random(1, 500), math.random(1, 999)) end)
table.insert(makers, function()
  return "[" .. string.format(draft, id(), math.random(1, 500), math.random(1, 999)) .. "]"
end)

request = function()
  local body
  if ring_len > 0 and math.random() < dup_fraction then
    body = ring[math.random(1, ring_len)]
  else
    body = makers[math.random(1, #makers)]()
    ring_pos = ring_pos % ring_size + 1
    ring[ring_pos] = body
    if ring_len < ring_size then ring_len = ring_len + 1 end
  end
  return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d p999_us=%d max_us=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_timeout=%d non2xx=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
