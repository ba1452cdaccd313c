//! Per-key rate limiting: a token bucket per API key, refilled continuously.
//!
//! A request takes one token when its key is authenticated. Scoring costs by size, not by
//! count: once a request's text is known, it takes one more token for every further
//! `rate_limit.bytes_per_token` bytes of text (see [`RateLimiter::charge_text`]), so a
//! key cannot send sixty-four times the text — and classifier work — for the price of
//! one comment. Requests of up to `bytes_per_token` bytes of text cost one token, as
//! every request did before.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::config::RateLimitConfig;
use crate::failure::Failure;
use crate::ids::KeyId;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    bytes_per_token: u64,
    buckets: Mutex<HashMap<KeyId, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig) -> RateLimiter {
        RateLimiter {
            per_second: config.per_second,
            burst: f64::from(config.burst),
            bytes_per_token: u64::from(config.bytes_per_token),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how many seconds until one is available.
    pub fn check(&self, key: &KeyId) -> Result<(), Failure> {
        self.take(key, 1.0, 1.0)
    }

    /// What scoring `bytes` bytes of text costs, in tokens: one, plus one for every
    /// further `bytes_per_token` bytes; never more than a full bucket (so a large request
    /// is slow to repeat, never impossible).
    pub fn text_cost(&self, bytes: usize) -> u64 {
        if self.bytes_per_token == 0 {
            return 1;
        }
        let cost = (bytes as u64).div_ceil(self.bytes_per_token).max(1);
        cost.min(self.burst.max(1.0) as u64)
    }

    /// Takes the rest of a scoring request's cost (its first token was taken at
    /// authentication) for `bytes` bytes of text: `rate_limited` when the bucket does not
    /// hold it, with the wait until a retry (which pays its first token again) would pass.
    pub fn charge_text(&self, key: &KeyId, bytes: usize) -> Result<(), Failure> {
        let rest = self.text_cost(bytes).saturating_sub(1) as f64;
        if rest == 0.0 {
            return Ok(());
        }
        self.take(key, rest, rest + 1.0)
    }

    /// Takes `n` tokens, or fails with the seconds until `retry` tokens are there.
    fn take(&self, key: &KeyId, n: f64, retry: f64) -> Result<(), Failure> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= n {
            bucket.tokens -= n;
            Ok(())
        } else {
            let wait = (retry - bucket.tokens) / self.per_second;
            Err(Failure::rate_limited(wait.ceil() as u64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, bytes_per_token: u32) -> RateLimiter {
        RateLimiter::new(&RateLimitConfig {
            per_second: 0.001,
            burst,
            bytes_per_token,
        })
    }

    #[test]
    fn cost_is_by_bytes_and_small_requests_cost_one() {
        let l = limiter(100, 1024);
        assert_eq!(l.text_cost(0), 1);
        assert_eq!(l.text_cost(1024), 1);
        assert_eq!(l.text_cost(1025), 2);
        assert_eq!(l.text_cost(64 * 1024), 64);
        // Never more than a bucket.
        assert_eq!(limiter(10, 1024).text_cost(64 * 1024), 10);
        // 0: requests are counted, not sized.
        assert_eq!(limiter(100, 0).text_cost(64 * 1024), 1);
    }

    #[test]
    fn a_large_text_empties_the_bucket_small_ones_do_not() {
        let l = limiter(20, 1024);
        let key = KeyId::random();
        for _ in 0..2 {
            l.check(&key).unwrap();
            l.charge_text(&key, 8 * 1024).unwrap(); // 8 tokens in all
        }
        l.check(&key).unwrap(); // 3 left
        let refused = l.charge_text(&key, 8 * 1024).unwrap_err();
        assert_eq!(refused.code(), crate::Code::RateLimited);
        // What was refused was not taken: two small requests still pass.
        for _ in 0..2 {
            l.check(&key).unwrap();
            l.charge_text(&key, 100).unwrap();
        }
    }
}
