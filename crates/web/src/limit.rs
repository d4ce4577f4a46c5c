//! Rate limiting (访问频率限制) of the pages anyone can reach without logging in: a token
//! bucket per client address, kept in memory. Logins are also limited by the lockout rules;
//! this guards the rest (the login page, health check, stylesheet, unknown addresses).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per minute per address, with bursts up to the same number.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// Thousandths of a request, so refills need no floating point.
    milli: u64,
    at: Instant,
}

/// Addresses remembered at most; beyond that, the idle ones are forgotten first.
const MAX_TRACKED: usize = 50_000;

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn capacity(&self) -> u64 {
        u64::from(self.per_minute) * 1000
    }

    /// Takes one request from `key`'s bucket at `now`; if empty, how long until one refills.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let cap = self.capacity();
        // Milli-requests regained per millisecond = per_minute / 60.
        let refill = |b: &Bucket| {
            let ms =
                u64::try_from(now.saturating_duration_since(b.at).as_millis()).unwrap_or(u64::MAX);
            b.milli
                .saturating_add(ms.saturating_mul(u64::from(self.per_minute)) / 60)
                .min(cap)
        };
        let Ok(mut map) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere; failing open keeps the login page up.
            return Ok(());
        };
        if map.len() >= MAX_TRACKED && !map.contains_key(key) {
            map.retain(|_, b| refill(b) < cap);
            if map.len() >= MAX_TRACKED {
                map.clear();
            }
        }
        let b = map.entry(key.to_string()).or_insert(Bucket {
            milli: cap,
            at: now,
        });
        let milli = refill(b);
        if milli >= 1000 {
            *b = Bucket {
                milli: milli - 1000,
                at: now,
            };
            Ok(())
        } else {
            *b = Bucket { milli, at: now };
            let missing = 1000 - milli;
            let ms = (missing * 60).div_ceil(u64::from(self.per_minute));
            Err(Duration::from_millis(ms.max(1)))
        }
    }
}

/// Largest feed file the upload takes.
pub const FEED_UPLOAD_LIMIT: usize = 200 * 1024 * 1024;

/// Largest project list or asset ledger to import.
pub const LIST_UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

/// Largest spreadsheet an import (households, leads) takes.
pub const SHEET_UPLOAD_LIMIT: usize = 100 * 1024 * 1024;

/// Largest multipart body of the attachment forms of a case: one file plus the fields.
pub const ATTACHMENT_UPLOAD_LIMIT: usize = dixian_store::files::MAX_ATTACHMENT_BYTES + 256 * 1024;

/// Largest body of the visit form: its photos plus the fields.
pub const VISIT_UPLOAD_LIMIT: usize =
    dixian_store::visits::MAX_VISIT_PHOTOS * dixian_store::files::MAX_ATTACHMENT_BYTES + 256 * 1024;

/// Largest body of a rectification step's form: its evidence files plus the fields.
pub const ITEM_STEP_UPLOAD_LIMIT: usize = dixian_store::rectification::MAX_ITEM_FILES
    * dixian_store::files::MAX_ATTACHMENT_BYTES
    + 256 * 1024;

/// Largest body of a problem's step form: its evidence files plus the fields.
pub const PROBLEM_STEP_UPLOAD_LIMIT: usize = dixian_store::problems::MAX_PROBLEM_FILES
    * dixian_store::files::MAX_ATTACHMENT_BYTES
    + 256 * 1024;

/// Largest body of a project's step form: the scans of its documents plus the fields.
pub const PROJECT_STEP_UPLOAD_LIMIT: usize =
    dixian_store::funds::MAX_PROJECT_FILES * dixian_store::files::MAX_ATTACHMENT_BYTES + 256 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_address() {
        let l = RateLimiter::new(60);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(l.check("a", t0).is_ok());
        }
        let wait = l.check("a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(1000));
        // Another address has its own bucket.
        assert!(l.check("b", t0).is_ok());
        // One request per second comes back.
        assert!(l.check("a", t0 + Duration::from_millis(999)).is_err());
        assert!(l.check("a", t0 + Duration::from_millis(1000)).is_ok());
        assert!(l.check("a", t0 + Duration::from_millis(1000)).is_err());
        // After a minute the whole burst is back, and no more.
        let later = t0 + Duration::from_secs(120);
        for _ in 0..60 {
            assert!(l.check("a", later).is_ok());
        }
        assert!(l.check("a", later).is_err());
    }

    #[test]
    fn many_addresses_do_not_grow_memory_without_bound() {
        let l = RateLimiter::new(10);
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED + 10) {
            let _ = l.check(&i.to_string(), t0);
        }
        assert!(l.buckets.lock().unwrap().len() <= MAX_TRACKED);
    }
}
