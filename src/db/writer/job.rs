//! A write as the writer queues it: the closure, its last outcome, and where to tell it.

use crate::store::StoreError;
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A queued write: run it, then hear whether its transaction committed.
pub(super) trait Job: Send {
    /// Runs the write, again when its batch starts over (the last run's outcome is
    /// the one delivered); `true` when it succeeded and its changes should stay.
    fn run(&mut self, c: &Connection) -> bool;
    /// Delivers the outcome once the batch's transaction has committed (or failed).
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct Write<T, F> {
    f: F,
    out: Option<Result<T, StoreError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: Fn(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, c: &Connection) -> bool {
        let out = catch_unwind(AssertUnwindSafe(|| (self.f)(c)))
            .unwrap_or_else(|_| Err(StoreError::Other("a write panicked".into())));
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let result = match (self.out, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) | (None, Err(e)) => {
                Err(StoreError::Other(format!("commit failed: {e}")))
            }
            (None, Ok(())) => Err(StoreError::Other("write was not run".into())),
        };
        // The caller may have gone away (client disconnected); the write stands.
        let _ = self.reply.send(result);
    }
}

pub(super) type Answer<T> = tokio::sync::oneshot::Receiver<Result<T, StoreError>>;

/// `f` as a job, and where its outcome will be told.
pub(super) fn job<T, F>(f: F) -> (Box<dyn Job>, Answer<T>)
where
    F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    let write = Write {
        f,
        out: None,
        reply,
    };
    (Box::new(write), answer)
}
