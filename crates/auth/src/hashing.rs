//! Password hashing off the async threads, a few at a time, each in working memory that is
//! allocated once and reused (see [`HashMemory`]): a flood of sign-ins waits its turn
//! instead of taking the process's memory.

use crate::password::HashMemory;
use tokio::sync::Semaphore;

pub(crate) struct HashingPool {
    permits: Semaphore,
    /// Memory of the hashes not running now; one per permit at most.
    idle: std::sync::Mutex<Vec<HashMemory>>,
}

impl HashingPool {
    pub(crate) fn new(at_once: usize) -> HashingPool {
        HashingPool {
            permits: Semaphore::new(at_once.max(1)),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` on a blocking thread once a permit is free, in reused memory.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let mut memory = self
            .idle
            .lock()
            .map_err(|e| e.to_string())?
            .pop()
            .unwrap_or_default();
        let (memory, result) = tokio::task::spawn_blocking(move || {
            let result = work(&mut memory);
            (memory, result)
        })
        .await
        .map_err(|e| e.to_string())?;
        self.idle.lock().map_err(|e| e.to_string())?.push(memory);
        Ok(result)
    }
}
