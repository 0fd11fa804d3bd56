//! How long to wait before asking a database that failed again: the watcher's reconnect delay
//! and the pause that spares a down database one connect per request.

use std::time::Duration;

/// After a failed connect, callers get that error without a new attempt for this long, so a
/// database that is down is not asked once per request for a new app.
pub(super) const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The watcher's delay between connects: doubling from 0.2 s to 5 s, each wait lengthened by a
/// random 0 to 50 % so that replicas that lost the database together do not return together.
#[derive(Debug)]
pub(super) struct Backoff {
    next: Duration,
}

impl Backoff {
    pub(super) fn new() -> Self {
        Self { next: BACKOFF_MIN }
    }

    /// After a connect that worked: the next failure waits the least again.
    pub(super) fn reset(&mut self) {
        self.next = BACKOFF_MIN;
    }

    /// The wait before the next attempt; the one after is twice as long (up to the maximum).
    pub(super) fn next_wait(&mut self) -> Duration {
        let wait = self.next + self.next.mul_f64(fastrand::f64() * 0.5);
        self.next = (self.next * 2).min(BACKOFF_MAX);
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_maximum_with_at_most_half_again_of_jitter() {
        let mut b = Backoff::new();
        let mut floor = BACKOFF_MIN;
        for _ in 0..10 {
            let wait = b.next_wait();
            assert!(wait >= floor && wait <= floor.mul_f64(1.5), "{wait:?} for {floor:?}");
            floor = (floor * 2).min(BACKOFF_MAX);
        }
        assert_eq!(floor, BACKOFF_MAX);
        b.reset();
        assert!(b.next_wait() <= BACKOFF_MIN.mul_f64(1.5));
    }
}
