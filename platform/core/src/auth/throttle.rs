//! Slows down password guessing, with three counters kept in the database,
//! so that every process counts the same failures:
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
//! (see `web::client`): a client cannot choose it. The rows hold digests of
//! what they count, never a login or an address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use crate::store::repo::limits::{self as rows, FailureRow};
use crate::store::{DbConnection, Store, StoreError};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const PAIR_LIMIT: u32 = 5;
const ADDRESS_LIMIT: u32 = 20;
/// Failures of one login allowed before the backoff starts.
const FREE_FAILURES: u32 = 2;
const MAX_BACKOFF: Duration = WINDOW;
/// The longest an attempt is made to wait for its slot instead of refused.
pub const SLOWDOWN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Failures {
    count: u32,
    first: NaiveDateTime,
    last: NaiveDateTime,
    /// Per login: when the next attempt may be checked.
    next: NaiveDateTime,
}

/// Why an attempt is refused now, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub retry_after: Duration,
}

/// Where the counts are kept: the database, or a map in the unit tests.
trait Ledger {
    fn get(&mut self, key: &str) -> Result<Option<Failures>, StoreError>;
    fn put(&mut self, key: &str, f: Failures) -> Result<(), StoreError>;
    fn forget(&mut self, keys: &[&str]) -> Result<(), StoreError>;
}

impl Ledger for HashMap<String, Failures> {
    fn get(&mut self, key: &str) -> Result<Option<Failures>, StoreError> {
        Ok(HashMap::get(self, key).copied())
    }

    fn put(&mut self, key: &str, f: Failures) -> Result<(), StoreError> {
        self.insert(key.to_owned(), f);
        Ok(())
    }

    fn forget(&mut self, keys: &[&str]) -> Result<(), StoreError> {
        for k in keys {
            self.remove(*k);
        }
        Ok(())
    }
}

impl Ledger for DbConnection {
    fn get(&mut self, key: &str) -> Result<Option<Failures>, StoreError> {
        Ok(rows::failures(self, &[key])?
            .into_iter()
            .next()
            .map(|r| Failures {
                count: u32::try_from(r.failures).unwrap_or(0),
                first: r.first_at,
                last: r.last_at,
                next: r.next_at,
            }))
    }

    fn put(&mut self, key: &str, f: Failures) -> Result<(), StoreError> {
        rows::put_failures(
            self,
            &FailureRow {
                key: key.to_owned(),
                failures: i32::try_from(f.count).unwrap_or(i32::MAX),
                first_at: f.first,
                last_at: f.last,
                next_at: f.next,
            },
        )
    }

    fn forget(&mut self, keys: &[&str]) -> Result<(), StoreError> {
        rows::forget_failures(self, keys)
    }
}

/// The three keys of an attempt: the pair, the login, the address.
struct Keys {
    pair: String,
    login: String,
    addr: String,
}

impl Keys {
    fn of(login: &str, addr: Option<IpAddr>) -> Keys {
        let login = login.trim().to_lowercase();
        let addr = addr.map_or_else(|| "?".to_owned(), |a| a.to_string());
        let digest = |s: String| format!("{:x}", Sha256::digest(s.as_bytes()));
        Keys {
            pair: digest(format!("p|{login}|{addr}")),
            login: digest(format!("l|{login}")),
            addr: digest(format!("a|{addr}")),
        }
    }
}

fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn since(now: NaiveDateTime, then: NaiveDateTime) -> Duration {
    (now - then).to_std().unwrap_or(Duration::ZERO)
}

/// How long this attempt must wait before its password is checked (zero
/// mostly); `Err` when it must not be checked now. `known`: the browser
/// signed in to this login before. Taking a slot is written down.
fn check_in(
    ledger: &mut impl Ledger,
    keys: &Keys,
    known: bool,
    now: NaiveDateTime,
) -> Result<Result<Duration, Blocked>, StoreError> {
    let mut wait = Duration::ZERO;
    for (key, limit) in [(&keys.pair, PAIR_LIMIT), (&keys.addr, ADDRESS_LIMIT)] {
        if let Some(f) = ledger.get(key)? {
            let age = since(now, f.first);
            if f.count >= limit && age < WINDOW {
                wait = wait.max(WINDOW - age);
            }
        }
    }
    if !wait.is_zero() {
        return Ok(Err(Blocked { retry_after: wait }));
    }
    if known {
        return Ok(Ok(Duration::ZERO));
    }
    let Some(mut f) = ledger.get(&keys.login)? else {
        return Ok(Ok(Duration::ZERO));
    };
    if f.count <= FREE_FAILURES || since(now, f.last) >= WINDOW {
        return Ok(Ok(Duration::ZERO));
    }
    let slot = f.next.max(now);
    let wait = since(slot, now);
    if wait > SLOWDOWN {
        return Ok(Err(Blocked { retry_after: wait }));
    }
    // This attempt takes the slot; the next one waits its turn.
    f.next = slot + span(backoff(f.count - FREE_FAILURES));
    ledger.put(&keys.login, f)?;
    Ok(Ok(wait))
}

fn failed_in(ledger: &mut impl Ledger, keys: &Keys, now: NaiveDateTime) -> Result<(), StoreError> {
    for key in [&keys.pair, &keys.login, &keys.addr] {
        let fresh = Failures {
            count: 0,
            first: now,
            last: now,
            next: now,
        };
        let mut entry = ledger
            .get(key)?
            .filter(|f| since(now, f.last) < WINDOW)
            .unwrap_or(fresh);
        entry.count += 1;
        entry.last = now;
        if entry.count > FREE_FAILURES {
            entry.next = entry
                .next
                .max(now + span(backoff(entry.count - FREE_FAILURES)));
        }
        ledger.put(key, entry)?;
    }
    Ok(())
}

/// The login throttle of every plane, in the database.
pub struct Throttle {
    store: Store,
}

impl Throttle {
    pub fn new(store: Store) -> Throttle {
        Throttle { store }
    }

    /// How long this attempt must wait before its password is checked
    /// (zero mostly); `Err` when it must not be checked now. `known`: the
    /// browser signed in to this login before. Blocking: off the executor.
    pub fn check(
        &self,
        login: &str,
        addr: Option<IpAddr>,
        known: bool,
    ) -> Result<Result<Duration, Blocked>, StoreError> {
        let (keys, now) = (Keys::of(login, addr), Utc::now().naive_utc());
        self.store
            .platform_write(|c| check_in(c, &keys, known, now))
    }

    pub fn failed(&self, login: &str, addr: Option<IpAddr>) -> Result<(), StoreError> {
        let (keys, now) = (Keys::of(login, addr), Utc::now().naive_utc());
        self.store.platform_write(|c| failed_in(c, &keys, now))
    }

    /// A right password clears that login's counters (not the address's).
    pub fn succeeded(&self, login: &str, addr: Option<IpAddr>) -> Result<(), StoreError> {
        let keys = Keys::of(login, addr);
        self.store
            .platform_write(|c| c.forget(&[keys.pair.as_str(), keys.login.as_str()]))
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

    type Map = HashMap<String, Failures>;

    fn check(
        m: &mut Map,
        login: &str,
        addr: Option<IpAddr>,
        known: bool,
        at: NaiveDateTime,
    ) -> Result<Duration, Blocked> {
        check_in(m, &Keys::of(login, addr), known, at).unwrap()
    }

    fn fail(m: &mut Map, login: &str, addr: Option<IpAddr>, at: NaiveDateTime) {
        failed_in(m, &Keys::of(login, addr), at).unwrap()
    }

    #[test]
    fn blocks_a_login_and_address_after_five_failures_and_forgets_on_success() {
        let mut t = Map::new();
        let now = Utc::now().naive_utc();
        for _ in 0..PAIR_LIMIT {
            // A known browser: the per-login slowdown does not apply.
            assert!(check(&mut t, "alice", ip("10.0.0.1"), true, now).is_ok());
            fail(&mut t, "alice", ip("10.0.0.1"), now);
        }
        let later = now + chrono::Duration::seconds(60);
        assert!(check(&mut t, "alice", ip("10.0.0.1"), false, later).is_err());
        assert!(
            check(&mut t, "alice", ip("10.0.0.1"), true, later).is_err(),
            "the device cookie does not lift the pair's block"
        );
        assert!(check(&mut t, "alice", ip("10.0.0.2"), true, later).is_ok());
        let keys = Keys::of("alice", ip("10.0.0.1"));
        t.forget(&[keys.pair.as_str(), keys.login.as_str()])
            .unwrap();
        assert!(check(&mut t, "alice", ip("10.0.0.1"), false, later).is_ok());
    }

    #[test]
    fn one_login_guessed_from_many_addresses_backs_off_exponentially() {
        let mut t = Map::new();
        let mut at = Utc::now().naive_utc();
        for i in 0..6u8 {
            let addr = ip(&format!("192.0.2.{i}"));
            let wait = check(&mut t, "Alice", addr, false, at).expect("slowed, not refused");
            at += span(wait);
            fail(&mut t, "alice", addr, at);
            if i >= 2 {
                // From the third failure: 1, 2, 4, 8 s between attempts, from
                // any address; an attempt waits for its slot.
                let wait = check(&mut t, "alice", ip("198.51.100.9"), false, at).unwrap();
                assert_eq!(wait, Duration::from_secs(1 << (i - 2)), "attempt {i}");
                // The slot taken, another attempt at once waits longer still.
                let next = check(&mut t, "alice", ip("198.51.100.10"), false, at);
                assert!(next.map_or(true, |w| w > wait), "attempt {i}");
                at += span(wait * 3);
            }
        }
        // Past the slowdown: refused for now, however right the password.
        for _ in 0..2 {
            fail(&mut t, "alice", ip("192.0.2.9"), at);
        }
        assert!(check(&mut t, "alice", ip("198.51.100.9"), false, at).is_err());
        // The person's own browser, which signed in before, is not slowed.
        assert_eq!(
            check(&mut t, "alice", ip("198.51.100.7"), true, at),
            Ok(Duration::ZERO)
        );
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn one_address_trying_many_logins_is_blocked() {
        let mut t = Map::new();
        let now = Utc::now().naive_utc();
        for i in 0..ADDRESS_LIMIT {
            fail(&mut t, &format!("user{i}"), ip("203.0.113.5"), now);
        }
        assert!(check(&mut t, "someone-else", ip("203.0.113.5"), true, now).is_err());
        assert!(check(&mut t, "someone-else", ip("203.0.113.6"), false, now).is_ok());
        // The window passes.
        assert!(check(
            &mut t,
            "someone-else",
            ip("203.0.113.5"),
            false,
            now + span(WINDOW)
        )
        .is_ok());
    }

    #[test]
    fn the_rows_say_neither_login_nor_address() {
        let keys = Keys::of("Alice@Example.fr", ip("203.0.113.5"));
        for k in [&keys.pair, &keys.login, &keys.addr] {
            assert_eq!(k.len(), 64);
            assert!(!k.contains("alice") && !k.contains("203.0"));
        }
        assert_eq!(
            Keys::of(" alice@example.fr ", ip("203.0.113.5")).login,
            keys.login
        );
    }
}
