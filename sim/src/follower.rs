//! The thread behind a follower (the firewall [`crate::firewall::Enforcer`], the
//! [`crate::addresses::AddressFollower`]): it keeps the kernel in step with the model until told
//! to stop, and is told and joined when its owner goes.

use std::thread::JoinHandle;

use tokio::sync::oneshot;

/// A named thread that runs until its stop signal, stopped and joined on drop.
#[derive(Debug)]
pub(crate) struct Follower {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Follower {
    /// Runs `body` on a thread named `name`, handing it the receiver that says stop. A thread
    /// that cannot be started is logged; the follower then has nothing to stop.
    pub(crate) fn spawn(
        name: &str,
        body: impl FnOnce(oneshot::Receiver<()>) + Send + 'static,
    ) -> Follower {
        let (stop, stop_rx) = oneshot::channel();
        let thread = match std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(stop_rx))
        {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!(thread = name, error = %e, "cannot start the thread");
                None
            }
        };
        Follower {
            stop: Some(stop),
            thread,
        }
    }

    /// Tells the thread to stop and waits for it.
    pub(crate) fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop();
    }
}
