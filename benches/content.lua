-- wrk script for `make load`: POST /v1/content, every request a new item.
-- Usage: WARDEN_KEY=wdn_… wrk -t2 -c16 -d20s --latency -s benches/content.lua http://127.0.0.1:PORT
local texts = {
  "have a nice day, see you at the match",
  "you are a f*cking idiot",
  "this is the dumbest take I have read all week",
  "Great write-up, thanks for sharing the sources!",
  "go drink bleach",
  "I disagree with the referee but it was a fair game overall",
}
local key = os.getenv("WARDEN_KEY") or ""
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  thread_id = tid
end

function request()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local body = string.format(
    '{"community":"c%d","content_id":"w%d-%d","author_id":"u","text":"%s"}',
    counter % 8, thread_id, counter, text)
  return wrk.format("POST", "/v1/content",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk: %d requests, %.0f/s, non-2xx or socket errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), errors))
end
