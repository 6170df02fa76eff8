//! The reading side of an import: a blocking thread reads the file with
//! [`read_table`], checks each row with the caller's `parse` function and
//! sends batches through a bounded channel, so at most a few batches are in
//! memory while the async side writes the previous one to the store.

use crate::report::RejectedRow;
use crate::table::{Column, Row, read_table};
use crate::{ImportError, Result};
use std::ops::ControlFlow;
use std::path::PathBuf;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Batches read ahead of the one being stored.
const READ_AHEAD: usize = 1;

/// Checked rows (with their row numbers) and the rows refused while reading.
#[derive(Debug)]
pub struct Batch<T> {
    pub rows: Vec<(u64, T)>,
    pub rejected: Vec<RejectedRow>,
}

impl<T> Batch<T> {
    fn new() -> Self {
        Self {
            rows: Vec::new(),
            rejected: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.rows.len() + self.rejected.len()
    }
}

/// The receiving end of a file being read on a blocking thread.
pub struct BatchReader<T> {
    path: PathBuf,
    receiver: mpsc::Receiver<Result<Batch<T>>>,
    reader: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> BatchReader<T> {
    /// Starts reading `path`; every data row goes through `parse`, and a
    /// batch is sent whenever `batch_size` rows have been read.
    pub fn spawn<const N: usize>(
        path: PathBuf,
        columns: &'static [Column; N],
        batch_size: usize,
        mut parse: impl FnMut(Row<N>) -> std::result::Result<T, RejectedRow> + Send + 'static,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(READ_AHEAD);
        let file = path.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let mut batch = Batch::new();
            let read = read_table(&file, columns, |line| {
                match line.and_then(|row| {
                    let number = row.number;
                    parse(row).map(|value| (number, value))
                }) {
                    Ok(row) => batch.rows.push(row),
                    Err(rejected) => batch.rejected.push(rejected),
                }
                if batch.len() < batch_size {
                    return ControlFlow::Continue(());
                }
                match sender.blocking_send(Ok(std::mem::replace(&mut batch, Batch::new()))) {
                    Ok(()) => ControlFlow::Continue(()),
                    // The importer stopped listening: stop reading.
                    Err(_) => ControlFlow::Break(()),
                }
            });
            let last = match read {
                Ok(()) if batch.len() == 0 => return,
                Ok(()) => Ok(batch),
                Err(error) => Err(error),
            };
            // A closed channel means the importer has already given up.
            let _ = sender.blocking_send(last);
        });
        Self {
            path,
            receiver,
            reader: Some(reader),
        }
    }

    /// The next batch in file order, `None` at the end of the file.
    pub async fn next(&mut self) -> Result<Option<Batch<T>>> {
        if let Some(batch) = self.receiver.recv().await {
            return batch.map(Some);
        }
        if let Some(reader) = self.reader.take()
            && let Err(error) = reader.await
        {
            if error.is_panic() {
                std::panic::resume_unwind(error.into_panic());
            }
            // Cancelled: the runtime is shutting down.
            return Err(ImportError::Io {
                path: self.path.clone(),
                source: std::io::Error::other(error),
            });
        }
        Ok(None)
    }
}
