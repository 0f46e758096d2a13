//! Failed-login rate limiting: per username and client address, a sliding window of recent
//! failures; too many and further attempts are refused until the oldest failure ages out.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the throttle reads the time (tests drive it by hand).
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed sign-in attempts; try again later (in {} s)", retry_after.as_secs().max(1))]
pub struct Throttled {
    pub retry_after: Duration,
}

/// Beyond this many tracked keys, keys without recent failures are dropped.
const PRUNE_ABOVE: usize = 10_000;

pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    clock: Arc<dyn Clock>,
    failures: Mutex<HashMap<(String, IpAddr), VecDeque<Instant>>>,
}

impl Default for LoginThrottle {
    /// 10 failures within 60 seconds.
    fn default() -> Self {
        LoginThrottle::new(10, Duration::from_secs(60))
    }
}

impl LoginThrottle {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginThrottle::with_clock(max_failures, window, Arc::new(SystemClock))
    }

    pub fn with_clock(max_failures: usize, window: Duration, clock: Arc<dyn Clock>) -> Self {
        LoginThrottle { max_failures: max_failures.max(1), window, clock, failures: Mutex::new(HashMap::new()) }
    }

    /// Call before checking credentials: refuses while the key has too many recent failures.
    pub fn check(&self, username: &str, ip: IpAddr) -> Result<(), Throttled> {
        let now = self.clock.now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = map.get_mut(&(username.to_string(), ip)) else { return Ok(()) };
        self.expire(times, now);
        if times.len() >= self.max_failures {
            let oldest = times[0];
            return Err(Throttled { retry_after: (oldest + self.window).saturating_duration_since(now) });
        }
        Ok(())
    }

    pub fn record_failure(&self, username: &str, ip: IpAddr) {
        let now = self.clock.now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, times| times.back().is_some_and(|t| now.saturating_duration_since(*t) < self.window));
        }
        let times = map.entry((username.to_string(), ip)).or_default();
        self.expire(times, now);
        times.push_back(now);
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    /// A successful sign-in clears the key's failures.
    pub fn record_success(&self, username: &str, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(username.to_string(), ip));
    }

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct ManualClock(Mutex<Instant>);

    impl ManualClock {
        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            *self.0.lock().unwrap()
        }
    }

    #[test]
    fn ten_failures_in_a_minute_lock_out_until_they_age() {
        let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
        let throttle = LoginThrottle::with_clock(10, Duration::from_secs(60), clock.clone());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other_ip: IpAddr = "10.0.0.2".parse().unwrap();

        for _ in 0..9 {
            assert!(throttle.check("alice", ip).is_ok());
            throttle.record_failure("alice", ip);
            clock.advance(Duration::from_secs(1));
        }
        assert!(throttle.check("alice", ip).is_ok(), "nine failures are still allowed");
        throttle.record_failure("alice", ip); // the tenth, at t=9s
        let refused = throttle.check("alice", ip).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(51), "the first failure (t=0) ages out at t=60");
        assert!(refused.to_string().contains("try again later"));
        assert!(throttle.check("alice", other_ip).is_ok(), "per address");
        assert!(throttle.check("bob", ip).is_ok(), "per username");

        clock.advance(Duration::from_secs(51));
        assert!(throttle.check("alice", ip).is_ok(), "sliding window: one failure aged out");
        throttle.record_failure("alice", ip);
        assert!(throttle.check("alice", ip).is_err(), "ten within the last minute again");

        throttle.record_success("alice", ip);
        assert!(throttle.check("alice", ip).is_ok(), "success clears");
    }
}
