//! Slows down password guessing, with three counters kept in bounded memory:
//! - per login and client address: five failures in a quarter of an hour
//!   block that pair for the rest of the quarter;
//! - per login, whatever the address: from the third failure on, attempts
//!   are spaced twice as far apart as the last (1 s, 2 s, 4 s… up to a
//!   quarter of an hour), so that spreading guesses over many addresses does
//!   not help. An attempt takes the next free slot and waits for it, up to
//!   [`SLOWDOWN`]: the right password still passes, a little later; beyond,
//!   it is refused for now. A browser that signed in to that login before
//!   (its device cookie, `web::device`) is not slowed by the others' failures:
//!   nobody can lock a person out of their own computer;
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
/// The longest an attempt is made to wait for its slot instead of refused.
pub const SLOWDOWN: Duration = Duration::from_secs(10);
/// Keys remembered at most; the least recently used are forgotten first.
const CAPACITY: usize = 100_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    last: Instant,
    /// Per login: when the next attempt may be checked.
    next: Instant,
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

    /// How long this attempt must wait before its password is checked
    /// (zero mostly); `Err` when it must not be checked now. `known`: the
    /// browser signed in to this login before.
    pub fn check(
        &self,
        login: &str,
        addr: Option<IpAddr>,
        known: bool,
    ) -> Result<Duration, Blocked> {
        self.check_at(login, addr, known, Instant::now())
    }

    fn check_at(
        &self,
        login: &str,
        addr: Option<IpAddr>,
        known: bool,
        now: Instant,
    ) -> Result<Duration, Blocked> {
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
        // Touch the entries so that a blocked key is not the first forgotten.
        for key in [&pair, &per_addr] {
            map.get(key);
        }
        if !wait.is_zero() {
            return Err(Blocked { retry_after: wait });
        }
        if known {
            return Ok(Duration::ZERO);
        }
        let Some(f) = map.get_mut(&per_login) else {
            return Ok(Duration::ZERO);
        };
        if f.count <= FREE_FAILURES || now.saturating_duration_since(f.last) >= self.window {
            return Ok(Duration::ZERO);
        }
        let slot = f.next.max(now);
        let wait = slot.saturating_duration_since(now);
        if wait > SLOWDOWN {
            return Err(Blocked { retry_after: wait });
        }
        // This attempt takes the slot; the next one waits its turn.
        f.next = slot + backoff(f.count - FREE_FAILURES);
        Ok(wait)
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
                next: now,
            });
            if now.saturating_duration_since(entry.last) >= window {
                *entry = Failures {
                    count: 0,
                    first: now,
                    last: now,
                    next: now,
                };
            }
            entry.count += 1;
            entry.last = now;
            if entry.count > FREE_FAILURES {
                entry.next = entry.next.max(now + backoff(entry.count - FREE_FAILURES));
            }
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
        for _ in 0..PAIR_LIMIT {
            // A known browser: the per-login slowdown does not apply.
            assert!(t.check_at("alice", ip("10.0.0.1"), true, now).is_ok());
            t.failed_at("alice", ip("10.0.0.1"), now);
        }
        let later = now + Duration::from_secs(60);
        assert!(t.check_at("alice", ip("10.0.0.1"), false, later).is_err());
        assert!(
            t.check_at("alice", ip("10.0.0.1"), true, later).is_err(),
            "the device cookie does not lift the pair's block"
        );
        assert!(t.check_at("alice", ip("10.0.0.2"), true, later).is_ok());
        t.succeeded("alice", ip("10.0.0.1"));
        assert!(t.check_at("alice", ip("10.0.0.1"), false, later).is_ok());
    }

    #[test]
    fn one_login_guessed_from_many_addresses_backs_off_exponentially() {
        let t = Throttle::default();
        let mut at = Instant::now();
        for i in 0..6u8 {
            let addr = ip(&format!("192.0.2.{i}"));
            let wait = t
                .check_at("Alice", addr, false, at)
                .expect("slowed, not refused");
            at += wait;
            t.failed_at("alice", addr, at);
            if i >= 2 {
                // From the third failure: 1, 2, 4, 8 s between attempts, from
                // any address; an attempt waits for its slot.
                let wait = t.check_at("alice", ip("198.51.100.9"), false, at).unwrap();
                assert_eq!(wait, Duration::from_secs(1 << (i - 2)), "attempt {i}");
                // The slot taken, another attempt at once waits longer still.
                let next = t.check_at("alice", ip("198.51.100.10"), false, at);
                assert!(next.map_or(true, |w| w > wait), "attempt {i}");
                at += wait * 3;
            }
        }
        // Past the slowdown: refused for now, however right the password.
        for _ in 0..2 {
            t.failed_at("alice", ip("192.0.2.9"), at);
        }
        assert!(t.check_at("alice", ip("198.51.100.9"), false, at).is_err());
        // The person's own browser, which signed in before, is not slowed.
        assert_eq!(
            t.check_at("alice", ip("198.51.100.7"), true, at),
            Ok(Duration::ZERO)
        );
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn one_address_trying_many_logins_is_blocked() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..ADDRESS_LIMIT {
            t.failed_at(&format!("user{i}"), ip("203.0.113.5"), now);
        }
        assert!(t
            .check_at("someone-else", ip("203.0.113.5"), true, now)
            .is_err());
        assert!(t
            .check_at("someone-else", ip("203.0.113.6"), false, now)
            .is_ok());
        // The window passes.
        assert!(t
            .check_at("someone-else", ip("203.0.113.5"), false, now + WINDOW)
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
