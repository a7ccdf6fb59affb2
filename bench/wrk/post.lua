-- wrk script: POSTs recent_draft_project events with ids that never repeat, so
-- dedup never short-circuits and every request is a new event to store.
local counter = 0
local base = math.floor(os.time() % 100000) * 1000000000

request = function()
  counter = counter + 1
  local body = string.format(
    '{"pkcustomerquotationid":%d,"fkuserid":67890,"quotenickname":"Smith Residence Solar","siteaddress":"123 Main St, Sydney NSW 2000"}',
    base + counter)
  return wrk.format("POST", "/webhooks/solarproof", {["Content-Type"] = "application/json"}, body)
end
