//! Slows down password guessing, with three counters kept in bounded memory:
//! - per login and client address: five failures in a quarter of an hour
//!   block that pair for the rest of the quarter;
//! - per login, whatever the address: from the third failure on, each new
//!   attempt must wait twice as long as the last (1 s, 2 s, 4 s… up to a
//!   quarter of an hour), so that spreading guesses over many addresses does
//!   not help;
//! - per client address, whatever the login: twenty failures in a quarter of
//!   an hour block the address (trying one password on many logins).
//!
//! The client address is the socket peer, or what a trusted proxy forwarded
//! (see `web::client`): a client cannot choose it.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

const WINDOW: Duration = Duration::from_secs(15 * 60);
const PAIR_LIMIT: u32 = 5;
const ADDRESS_LIMIT: u32 = 20;
/// Failures of one login allowed before the backoff starts.
const FREE_FAILURES: u32 = 2;
const MAX_BACKOFF: Duration = WINDOW;
/// Keys remembered at most; the least recently used are forgotten first.
const CAPACITY: usize = 100_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    last: Instant,
}

/// Why an attempt is refused now, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub retry_after: Duration,
}

pub struct Throttle {
    window: Duration,
    failures: Mutex<LruCache<String, Failures>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::with_capacity(CAPACITY)
    }
}

impl Throttle {
    pub fn with_capacity(capacity: usize) -> Throttle {
        Throttle {
            window: WINDOW,
            failures: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn keys(login: &str, addr: Option<IpAddr>) -> (String, String, String) {
        let login = login.trim().to_lowercase();
        let addr = addr.map_or_else(|| "?".to_owned(), |a| a.to_string());
        (
            format!("p|{login}|{addr}"),
            format!("l|{login}"),
            format!("a|{addr}"),
        )
    }

    /// `Err` when this attempt must not even be checked.
    pub fn check(&self, login: &str, addr: Option<IpAddr>) -> Result<(), Blocked> {
        self.check_at(login, addr, Instant::now())
    }

    fn check_at(&self, login: &str, addr: Option<IpAddr>, now: Instant) -> Result<(), Blocked> {
        let (pair, per_login, per_addr) = Self::keys(login, addr);
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for (key, limit) in [(&pair, PAIR_LIMIT), (&per_addr, ADDRESS_LIMIT)] {
            if let Some(f) = map.peek(key) {
                let age = now.saturating_duration_since(f.first);
                if f.count >= limit && age < self.window {
                    wait = wait.max(self.window - age);
                }
            }
        }
        if let Some(f) = map.peek(&per_login) {
            if f.count > FREE_FAILURES {
                let backoff = backoff(f.count - FREE_FAILURES);
                let since = now.saturating_duration_since(f.last);
                if since < backoff {
                    wait = wait.max(backoff - since);
                }
            }
        }
        // Touch the entries so that a blocked key is not the first forgotten.
        for key in [&pair, &per_login, &per_addr] {
            map.get(key);
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(Blocked { retry_after: wait })
        }
    }

    pub fn failed(&self, login: &str, addr: Option<IpAddr>) {
        self.failed_at(login, addr, Instant::now());
    }

    fn failed_at(&self, login: &str, addr: Option<IpAddr>, now: Instant) {
        let (pair, per_login, per_addr) = Self::keys(login, addr);
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in [pair, per_login, per_addr] {
            let window = self.window;
            let entry = map.get_or_insert_mut(key, || Failures {
                count: 0,
                first: now,
                last: now,
            });
            if now.saturating_duration_since(entry.last) >= window {
                *entry = Failures {
                    count: 0,
                    first: now,
                    last: now,
                };
            }
            entry.count += 1;
            entry.last = now;
        }
    }

    /// A right password clears that login's counters (not the address's).
    pub fn succeeded(&self, login: &str, addr: Option<IpAddr>) {
        let (pair, per_login, _) = Self::keys(login, addr);
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.pop(&pair);
        map.pop(&per_login);
    }

    pub fn len(&self) -> usize {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// 1 s, 2 s, 4 s… for the first, second, third failure past the free ones.
fn backoff(n: u32) -> Duration {
    let secs = 1u64.checked_shl(n.saturating_sub(1)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn blocks_a_login_and_address_after_five_failures_and_forgets_on_success() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..PAIR_LIMIT {
            // Far enough apart that the per-login backoff never applies.
            let at = now + Duration::from_secs(600 * u64::from(i));
            assert!(t.check_at("alice", ip("10.0.0.1"), at).is_ok());
            t.failed_at("alice", ip("10.0.0.1"), at);
        }
        let later = now + Duration::from_secs(600 * u64::from(PAIR_LIMIT - 1));
        assert!(t.check_at("alice", ip("10.0.0.1"), later).is_err());
        t.succeeded("alice", ip("10.0.0.1"));
        assert!(t.check_at("alice", ip("10.0.0.1"), later).is_ok());
    }

    #[test]
    fn one_login_guessed_from_many_addresses_backs_off_exponentially() {
        let t = Throttle::default();
        let mut at = Instant::now();
        for i in 0..6u8 {
            let addr = ip(&format!("192.0.2.{i}"));
            assert!(t.check_at("Alice", addr, at).is_ok(), "attempt {i}");
            t.failed_at("alice", addr, at);
            if i >= 2 {
                // From the third failure: wait 1, 2, 4, 8 s, from any address.
                let wait = t.check_at("alice", ip("198.51.100.9"), at).unwrap_err();
                assert_eq!(wait.retry_after, Duration::from_secs(1 << (i - 2)));
                at += wait.retry_after;
            }
        }
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn one_address_trying_many_logins_is_blocked() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..ADDRESS_LIMIT {
            t.failed_at(&format!("user{i}"), ip("203.0.113.5"), now);
        }
        assert!(t.check_at("someone-else", ip("203.0.113.5"), now).is_err());
        assert!(t.check_at("someone-else", ip("203.0.113.6"), now).is_ok());
        // The window passes.
        assert!(t
            .check_at("someone-else", ip("203.0.113.5"), now + WINDOW)
            .is_ok());
    }

    #[test]
    fn memory_is_bounded() {
        let t = Throttle::with_capacity(50);
        for i in 0..1000 {
            t.failed(&format!("u{i}"), ip("127.0.0.1"));
        }
        assert_eq!(t.len(), 50);
    }
}
