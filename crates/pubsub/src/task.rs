use tokio::task::JoinHandle;

/// A background task that stops when its owner (a bus) is dropped.
#[derive(Debug)]
pub(crate) struct AbortOnDrop(pub(crate) JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The Tokio runtime the bus runs its tasks on, or why there is none.
pub(crate) fn current_runtime() -> Result<tokio::runtime::Handle, crate::BusError> {
    tokio::runtime::Handle::try_current().map_err(|_| crate::BusError::NoRuntime)
}
