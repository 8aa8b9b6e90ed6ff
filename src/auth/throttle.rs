//! Login throttling (CONTRACT §2): failures are counted per username and per client
//! IP inside a fixed window; past the limit every attempt gets 429 until it closes.
//! Counters live in memory, so a restart clears them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
struct Window {
    opened: Instant,
    failures: u32,
}

/// Entries kept before expired windows are swept out, so a flood of random
/// usernames cannot grow memory without bound.
const SWEEP_AT: usize = 10_000;

pub struct LoginThrottle {
    max_per_user: u32,
    max_per_ip: u32,
    window: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    pub fn new(max_per_user: u32, max_per_ip: u32, window: Duration) -> Self {
        LoginThrottle {
            max_per_user,
            max_per_ip,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn keys(username: &str, ip: Option<&str>) -> (String, Option<String>) {
        (
            format!("u:{}", username.to_lowercase()),
            ip.map(|ip| format!("ip:{ip}")),
        )
    }

    /// `Err(seconds)` when this username or IP must wait that long.
    pub fn check(&self, username: &str, ip: Option<&str>) -> Result<(), u64> {
        let (user_key, ip_key) = Self::keys(username, ip);
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let wait = |key: &str, max: u32| {
            windows.get(key).and_then(|w| {
                let left = self.window.checked_sub(now.duration_since(w.opened))?;
                (w.failures >= max).then(|| left.as_secs().max(1))
            })
        };
        let user_wait = wait(&user_key, self.max_per_user);
        let ip_wait = ip_key.as_deref().and_then(|k| wait(k, self.max_per_ip));
        match user_wait.max(ip_wait) {
            Some(secs) => Err(secs),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt.
    pub fn failure(&self, username: &str, ip: Option<&str>) {
        let (user_key, ip_key) = Self::keys(username, ip);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| now.duration_since(w.opened) < self.window);
        }
        for key in std::iter::once(user_key).chain(ip_key) {
            let w = windows.entry(key).or_insert(Window {
                opened: now,
                failures: 0,
            });
            if now.duration_since(w.opened) >= self.window {
                *w = Window {
                    opened: now,
                    failures: 0,
                };
            }
            w.failures += 1;
        }
    }

    /// A successful login clears the username's counter (not the IP's).
    pub fn success(&self, username: &str) {
        let (user_key, _) = Self::keys(username, None);
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&user_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_per_username_blocks_further_attempts() {
        let t = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.check("ana", Some("1.1.1.1")).is_ok());
            t.failure("ana", Some("1.1.1.1"));
        }
        let wait = t.check("ANA", Some("2.2.2.2")).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(t.check("bob", Some("1.1.1.1")).is_ok());
        t.success("ana");
        assert!(t.check("ana", Some("1.1.1.1")).is_ok());
    }

    #[test]
    fn the_limit_per_ip_blocks_every_username() {
        let t = LoginThrottle::new(100, 2, Duration::from_secs(60));
        t.failure("a", Some("9.9.9.9"));
        t.failure("b", Some("9.9.9.9"));
        assert!(t.check("c", Some("9.9.9.9")).is_err());
        assert!(t.check("c", Some("8.8.8.8")).is_ok());
    }

    #[test]
    fn a_closed_window_starts_counting_again() {
        let t = LoginThrottle::new(1, 100, Duration::from_millis(1));
        t.failure("a", None);
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.check("a", None).is_ok());
    }
}
