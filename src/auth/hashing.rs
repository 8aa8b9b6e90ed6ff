//! The threads password hashes run on: a few of their own, which the kernel schedules
//! as background work (`SCHED_IDLE` on Linux). A hash takes tens of milliseconds of
//! CPU and 19 MiB; on the shared blocking pool a burst of logins would take the cores
//! from every other request, so here the requests of everyone else go first and a
//! login waits its turn. The threads start with the first hash; each hash's memory is
//! handed back to the system when it finishes (see `crate::memory`).

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed number of background threads running queued hashes in order.
pub struct HashingThreads {
    threads: usize,
    queue: OnceLock<Mutex<Sender<Job>>>,
}

impl HashingThreads {
    /// At most `threads` hashes at once.
    pub fn new(threads: usize) -> Self {
        HashingThreads {
            threads: threads.max(1),
            queue: OnceLock::new(),
        }
    }

    /// Runs `f` on a hashing thread and waits for its answer; `None` when the
    /// threads could not be started or `f` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(f());
        });
        let queue = self.queue.get_or_init(|| Mutex::new(self.start()));
        let sent = (queue.lock().unwrap_or_else(|p| p.into_inner())).send(job);
        if sent.is_err() {
            return None;
        }
        answer.await.ok()
    }

    fn start(&self) -> Sender<Job> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..self.threads {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("standin-hash-{n}"))
                .spawn(move || serve(&jobs));
            if let Err(e) = spawned {
                log::error!("starting a hashing thread failed: {e}");
            }
        }
        queue
    }
}

fn serve(jobs: &Mutex<Receiver<Job>>) {
    run_in_background();
    loop {
        let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        // A panicking hash fails its own request (its reply is dropped), not the thread.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Asks the kernel to run the calling thread only when nothing else wants its CPU.
fn run_in_background() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; `param` outlives the call.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } != 0 {
            log::warn!(
                "hashing thread: SCHED_IDLE refused ({}); hashes run at normal priority",
                std::io::Error::last_os_error()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn jobs_run_on_background_threads_and_a_panic_fails_only_its_own() {
        let threads = HashingThreads::new(2);
        let name = threads
            .run(|| std::thread::current().name().map(String::from))
            .await
            .flatten();
        assert_eq!(
            name.as_deref().map(|n| n.starts_with("standin-hash-")),
            Some(true)
        );
        #[cfg(target_os = "linux")]
        {
            // SAFETY: pid 0 is the calling thread.
            let policy = threads.run(|| unsafe { libc::sched_getscheduler(0) }).await;
            assert_eq!(policy, Some(libc::SCHED_IDLE));
        }
        let failed: Option<()> = threads.run(|| panic!("boom")).await;
        assert!(failed.is_none());
        let answers =
            futures_util::future::join_all((0..8).map(|i| threads.run(move || i * 2))).await;
        assert_eq!(answers, (0..8).map(|i| Some(i * 2)).collect::<Vec<_>>());
    }
}
