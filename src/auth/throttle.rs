//! Login throttling: attempts are counted per username and per client
//! IP inside a fixed window; past the limit every attempt gets 429 until it closes.
//! An attempt is counted when it starts, under the same lock as the check, so
//! simultaneous attempts cannot all slip in before the first one fails; a successful
//! login gives its slot back. Counters live in memory (a restart clears them), at
//! most [`MAX_ENTRIES`] of them, the oldest dropped first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
struct Window {
    opened: Instant,
    attempts: u32,
}

/// Counters kept at most. One client IP can open at most `login_max_failures_per_ip`
/// username counters per window, so filling this takes many addresses; each entry
/// is small (usernames are cut to [`KEY_CHARS`]).
pub const MAX_ENTRIES: usize = 100_000;

/// Characters of a username that name its counter: no valid username is longer,
/// so longer attempts (all bound to fail) cannot make one entry large.
const KEY_CHARS: usize = 150;

/// The login attempt counters shared by every request.
pub struct LoginThrottle {
    max_per_user: u32,
    max_per_ip: u32,
    window: Duration,
    max_entries: usize,
    windows: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    /// Counters allowing `max_per_user` attempts per username and `max_per_ip` per
    /// client IP in each `window`.
    pub fn new(max_per_user: u32, max_per_ip: u32, window: Duration) -> Self {
        Self::with_capacity(max_per_user, max_per_ip, window, MAX_ENTRIES)
    }

    fn with_capacity(max_per_user: u32, max_per_ip: u32, window: Duration, max: usize) -> Self {
        LoginThrottle {
            max_per_user,
            max_per_ip,
            window,
            max_entries: max.max(2),
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn user_key(username: &str) -> String {
        let name: String = username.chars().take(KEY_CHARS).collect();
        format!("u:{}", name.to_lowercase())
    }

    fn ip_key(ip: Option<&str>) -> Option<String> {
        ip.map(|ip| format!("ip:{ip}"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts an attempt for `username` from `ip`: `Err(seconds)` when either must
    /// wait that long (nothing counted), else the attempt is counted against both.
    pub fn begin(&self, username: &str, ip: Option<&str>) -> Result<(), u64> {
        let keys: Vec<(String, u32)> =
            std::iter::once((Self::user_key(username), self.max_per_user))
                .chain(Self::ip_key(ip).map(|k| (k, self.max_per_ip)))
                .collect();
        let now = Instant::now();
        let mut windows = self.lock();
        let wait = (keys.iter())
            .filter_map(|(key, max)| {
                let w = windows.get(key)?;
                let left = self.window.checked_sub(now.duration_since(w.opened))?;
                (w.attempts >= *max).then(|| left.as_secs().max(1))
            })
            .max();
        if let Some(secs) = wait {
            return Err(secs);
        }
        if windows.len() + keys.len() > self.max_entries {
            self.make_room(&mut windows, now, keys.len());
        }
        for (key, _) in keys {
            let w = windows.entry(key).or_insert(Window {
                opened: now,
                attempts: 0,
            });
            if now.duration_since(w.opened) >= self.window {
                *w = Window {
                    opened: now,
                    attempts: 0,
                };
            }
            w.attempts += 1;
        }
        Ok(())
    }

    /// Drops closed windows and, if that is not enough, the oldest quarter, so the
    /// cost of the sort is shared by many attempts.
    fn make_room(&self, windows: &mut HashMap<String, Window>, now: Instant, needed: usize) {
        windows.retain(|_, w| now.duration_since(w.opened) < self.window);
        if windows.len() + needed <= self.max_entries {
            return;
        }
        let mut opened: Vec<Instant> = windows.values().map(|w| w.opened).collect();
        let drop = (opened.len() / 4).max(needed).min(opened.len());
        let (_, cutoff, _) = opened.select_nth_unstable(drop - 1);
        let cutoff = *cutoff;
        let mut left = drop;
        windows.retain(|_, w| {
            if left > 0 && w.opened <= cutoff {
                left -= 1;
                false
            } else {
                true
            }
        });
    }

    /// A successful login: clears the username's counter and gives the IP its slot
    /// back.
    pub fn success(&self, username: &str, ip: Option<&str>) {
        let mut windows = self.lock();
        windows.remove(&Self::user_key(username));
        if let Some(key) = Self::ip_key(ip)
            && let Some(w) = windows.get_mut(&key)
        {
            w.attempts = w.attempts.saturating_sub(1);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_per_username_blocks_further_attempts() {
        let t = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.begin("ana", Some("1.1.1.1")).is_ok());
        }
        let wait = t.begin("ANA", Some("2.2.2.2")).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(t.begin("bob", Some("1.1.1.1")).is_ok());
        t.success("ana", Some("1.1.1.1"));
        assert!(t.begin("ana", Some("1.1.1.1")).is_ok());
    }

    #[test]
    fn the_limit_per_ip_blocks_every_username() {
        let t = LoginThrottle::new(100, 2, Duration::from_secs(60));
        assert!(t.begin("a", Some("9.9.9.9")).is_ok());
        assert!(t.begin("b", Some("9.9.9.9")).is_ok());
        assert!(t.begin("c", Some("9.9.9.9")).is_err());
        assert!(t.begin("c", Some("8.8.8.8")).is_ok());
    }

    #[test]
    fn a_successful_login_gives_the_ip_its_slot_back() {
        let t = LoginThrottle::new(100, 2, Duration::from_secs(60));
        for _ in 0..5 {
            assert!(t.begin("ana", Some("9.9.9.9")).is_ok());
            t.success("ana", Some("9.9.9.9"));
        }
        assert!(t.begin("bob", Some("9.9.9.9")).is_ok());
    }

    #[test]
    fn a_refused_attempt_is_not_counted() {
        let t = LoginThrottle::new(1, 2, Duration::from_secs(60));
        assert!(t.begin("a", Some("9.9.9.9")).is_ok());
        for _ in 0..10 {
            assert!(t.begin("a", Some("9.9.9.9")).is_err());
        }
        assert!(t.begin("b", Some("9.9.9.9")).is_ok());
    }

    #[test]
    fn a_closed_window_starts_counting_again() {
        let t = LoginThrottle::new(1, 100, Duration::from_millis(1));
        assert!(t.begin("a", None).is_ok());
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.begin("a", None).is_ok());
    }

    #[test]
    fn the_counters_stay_bounded_and_the_oldest_go_first() {
        let t = LoginThrottle::with_capacity(1, 1000, Duration::from_secs(60), 100);
        assert!(t.begin("first", None).is_ok());
        std::thread::sleep(Duration::from_millis(2));
        for i in 0..1000 {
            assert!(t.begin(&format!("user{i}"), None).is_ok());
            assert!(t.len() <= 100);
        }
        // The oldest counter was dropped; the newest is still there.
        assert!(t.begin("first", None).is_ok());
        assert!(t.begin("user999", None).is_err());
    }

    #[test]
    fn long_usernames_share_one_small_counter() {
        let t = LoginThrottle::new(1, 100, Duration::from_secs(60));
        let long = "x".repeat(10_000);
        assert!(t.begin(&long, None).is_ok());
        assert!(t.begin(&format!("{long}y"), None).is_err());
        assert!(t.lock().keys().all(|k| k.len() <= 2 + KEY_CHARS));
    }
}
