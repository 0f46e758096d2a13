//! Failed-login rate limiting, shared by every node: failures are rows in the database,
//! counted per (credential identity, client address) over a sliding window; too many and
//! further attempts of that identity from that address are refused until the oldest failure
//! ages out. Another address, or another identity from the same address, is not affected,
//! so one misconfigured job behind a NAT locks out only its own credential.

use std::net::IpAddr;
use std::time::Duration;

use berth_db::sqlx::{self, Row};
use berth_db::{now_millis, Db};

use crate::front_door::client_address::{client_address, TrustedProxies};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed sign-in attempts; try again later (in {} s)", retry_after.as_secs().max(1))]
pub struct Throttled {
    pub retry_after: Duration,
}

pub struct LoginThrottle {
    db: Db,
    max_failures: i64,
    window_ms: i64,
    /// Whose `X-Forwarded-For` names the client (see [`LoginThrottle::client_address`]).
    trusted_proxies: TrustedProxies,
}

impl LoginThrottle {
    /// 10 failures within 60 seconds.
    pub fn new(db: Db) -> Self {
        LoginThrottle::with_limits(db, 10, Duration::from_secs(60))
    }

    pub fn with_limits(db: Db, max_failures: usize, window: Duration) -> Self {
        LoginThrottle {
            db,
            max_failures: max_failures.max(1) as i64,
            window_ms: window.as_millis() as i64,
            trusted_proxies: TrustedProxies::default(),
        }
    }

    /// Believes `X-Forwarded-For` from these proxies (the balancer in front of the nodes).
    pub fn with_trusted_proxies(mut self, trusted: TrustedProxies) -> Self {
        self.trusted_proxies = trusted;
        self
    }

    /// The address a request's attempts count against: its peer, or behind a trusted proxy
    /// the client that proxy names.
    pub fn client_address<'a>(&self, peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>) -> IpAddr {
        client_address(peer, forwarded_for, &self.trusted_proxies)
    }

    /// Call before accepting credentials: refuses while the key has too many recent failures.
    /// A database that cannot answer does not lock anyone out (the credential check that
    /// follows needs it anyway); the failure is logged.
    pub async fn check(&self, identity: &str, ip: IpAddr) -> Result<(), Throttled> {
        self.check_at(identity, ip, now_millis()).await
    }

    pub async fn check_at(&self, identity: &str, ip: IpAddr, now: i64) -> Result<(), Throttled> {
        let counted = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures \
             WHERE identity = $1 AND client = $2 AND failed_at > $3",
        )
        .bind(identity)
        .bind(ip.to_string())
        .bind(now - self.window_ms)
        .fetch_one(&self.db.pool)
        .await;
        let row = match counted {
            Ok(row) => row,
            Err(e) => {
                tracing::error!(error = %e, "login throttle: cannot count failures");
                return Ok(());
            }
        };
        let n: i64 = row.try_get("n").unwrap_or(0);
        if n < self.max_failures {
            return Ok(());
        }
        let oldest: i64 = row.try_get::<Option<i64>, _>("oldest").ok().flatten().unwrap_or(now);
        let wait = (oldest + self.window_ms - now).max(0);
        Err(Throttled { retry_after: Duration::from_millis(wait as u64) })
    }

    pub async fn record_failure(&self, identity: &str, ip: IpAddr) {
        self.record_failure_at(identity, ip, now_millis()).await
    }

    pub async fn record_failure_at(&self, identity: &str, ip: IpAddr, now: i64) {
        let expired = now - self.window_ms;
        let result = async {
            // Rows that no window can count any more go first (failures are rare: cheap).
            sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1").bind(expired).execute(&self.db.pool).await?;
            sqlx::query("INSERT INTO login_failures (identity, client, failed_at) VALUES ($1, $2, $3)")
                .bind(identity)
                .bind(ip.to_string())
                .bind(now)
                .execute(&self.db.pool)
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "login throttle: cannot record a failure");
        }
    }

    /// A successful sign-in clears the key's failures.
    pub async fn record_success(&self, identity: &str, ip: IpAddr) {
        let cleared = sqlx::query("DELETE FROM login_failures WHERE identity = $1 AND client = $2")
            .bind(identity)
            .bind(ip.to_string())
            .execute(&self.db.pool)
            .await;
        if let Err(e) = cleared {
            tracing::error!(error = %e, "login throttle: cannot clear failures");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ten_failures_in_a_minute_lock_out_that_key_until_they_age_on_every_node() {
        let dir = tempfile::tempdir().unwrap();
        for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
            let db = Db::connect(&url).await.unwrap();
            // Two nodes: two throttles on one database.
            let node_a = LoginThrottle::with_limits(db.clone(), 10, Duration::from_secs(60));
            let node_b = LoginThrottle::with_limits(Db::connect(&url).await.unwrap(), 10, Duration::from_secs(60));
            let ip: IpAddr = "10.0.0.1".parse().unwrap();
            let other_ip: IpAddr = "10.0.0.2".parse().unwrap();
            let t0 = 1_000_000_000_000;
            let s = 1000;

            for i in 0..9 {
                let node = if i % 2 == 0 { &node_a } else { &node_b };
                assert!(node.check_at("alice", ip, t0 + i * s).await.is_ok(), "{backend}");
                node.record_failure_at("alice", ip, t0 + i * s).await;
            }
            assert!(node_a.check_at("alice", ip, t0 + 9 * s).await.is_ok(), "{backend}: nine failures are still allowed");
            node_b.record_failure_at("alice", ip, t0 + 9 * s).await; // the tenth, at t=9s, on the other node
            let refused = node_a.check_at("alice", ip, t0 + 9 * s).await.unwrap_err();
            assert_eq!(refused.retry_after, Duration::from_secs(51), "{backend}: the first failure (t=0) ages out at t=60");
            assert!(refused.to_string().contains("try again later"), "{backend}");
            assert!(node_b.check_at("alice", ip, t0 + 9 * s).await.is_err(), "{backend}: shared by the nodes");
            assert!(node_a.check_at("alice", other_ip, t0 + 9 * s).await.is_ok(), "{backend}: per address");
            assert!(node_a.check_at("bob", ip, t0 + 9 * s).await.is_ok(), "{backend}: per identity");

            assert!(node_a.check_at("alice", ip, t0 + 60 * s).await.is_ok(), "{backend}: sliding window: one failure aged out");
            node_a.record_failure_at("alice", ip, t0 + 60 * s).await;
            assert!(node_b.check_at("alice", ip, t0 + 60 * s).await.is_err(), "{backend}: ten within the last minute again");

            node_b.record_success("alice", ip).await;
            assert!(node_a.check_at("alice", ip, t0 + 60 * s).await.is_ok(), "{backend}: success clears");
        }
    }
}
