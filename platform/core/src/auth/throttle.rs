//! Slows down password guessing: after a few failures for one key (login and
//! address), further attempts are refused for a while.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(max_failures: u32, window: Duration) -> Throttle {
        Throttle {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Five failures per quarter of an hour, as most public services allow.
    pub fn for_logins() -> Throttle {
        Throttle::new(5, Duration::from_secs(15 * 60))
    }

    pub fn is_blocked(&self, key: &str) -> bool {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .is_some_and(|(n, since)| *n >= self.max_failures && since.elapsed() < self.window)
    }

    pub fn failed(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Forget old entries so that the map cannot grow without bound.
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = map.entry(key.to_owned()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_on_success() {
        let t = Throttle::new(2, Duration::from_secs(60));
        assert!(!t.is_blocked("a"));
        t.failed("a");
        assert!(!t.is_blocked("a"));
        t.failed("a");
        assert!(t.is_blocked("a"));
        assert!(!t.is_blocked("b"));
        t.succeeded("a");
        assert!(!t.is_blocked("a"));
    }

    #[test]
    fn window_expires() {
        let t = Throttle::new(1, Duration::from_millis(0));
        t.failed("a");
        assert!(!t.is_blocked("a"));
    }
}
