//! Messages that leave the platform (SMS, later WeChat): every one is first
//! a row of the outbox, written in the transaction of what caused it; a
//! [`MessageGateway`] then delivers them. Each server round claims the
//! unsent rows (so that of several processes only one sends each), hands
//! them to the gateway, and puts back those it could not send. The default
//! gateway writes them to the log; an installation with an SMS contract
//! plugs its own in. Without a gateway the messages wait for
//! `zhiyuan outbox`, which prints them for an office to pass on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use zhiyuan_domain::phone::mask_phone;
use zhiyuan_store::Store;
use zhiyuan_store::audit::OutboxMessage;

/// A delivery, as the gateway reports it.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Something that delivers outbox messages (an SMS provider's API, say).
pub trait MessageGateway: Send + Sync {
    /// Its name in the audit entry of each handover.
    fn name(&self) -> &'static str;
    /// Delivers one message; an error puts it back in the outbox.
    fn deliver<'a>(&'a self, message: &'a OutboxMessage) -> Delivery<'a>;
}

/// The gateway a server process delivers through, as its configuration
/// holds it.
#[derive(Clone)]
pub struct Gateway(pub Arc<dyn MessageGateway>);

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gateway({})", self.0.name())
    }
}

/// The default gateway: each message becomes a line of the server's log
/// (the phone masked), where an operator without an SMS contract reads it.
pub struct LogGateway;

impl MessageGateway for LogGateway {
    fn name(&self) -> &'static str {
        "log"
    }

    fn deliver<'a>(&'a self, message: &'a OutboxMessage) -> Delivery<'a> {
        Box::pin(async move {
            tracing::info!(
                to = %mask_phone(&message.phone),
                template = %message.template,
                payload = %message.payload,
                "message"
            );
            Ok(())
        })
    }
}

/// Messages claimed per round at most.
const PER_ROUND: i64 = 200;

/// One round of delivery at `now`: how many messages were delivered.
pub async fn deliver_round(store: &Store, gateway: &Arc<dyn MessageGateway>, now: i64) -> Result<usize, String> {
    let claimed = store
        .claim_unsent(PER_ROUND, gateway.name(), now)
        .await
        .map_err(|e| e.to_string())?;
    let mut failed = Vec::new();
    for message in &claimed {
        if let Err(error) = gateway.deliver(message).await {
            tracing::warn!(id = message.id, %error, "a message was not delivered; it stays in the outbox");
            failed.push(message.id);
        }
    }
    if !failed.is_empty() {
        store.release_messages(&failed).await.map_err(|e| e.to_string())?;
    }
    Ok(claimed.len() - failed.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A gateway that records what it was given and fails on demand.
    struct Recording {
        sent: Mutex<Vec<String>>,
        fail: bool,
    }

    impl MessageGateway for Recording {
        fn name(&self) -> &'static str {
            "recording"
        }

        fn deliver<'a>(&'a self, message: &'a OutboxMessage) -> Delivery<'a> {
            Box::pin(async move {
                if self.fail {
                    return Err("the provider is down".into());
                }
                self.sent
                    .lock()
                    .map_err(|e| e.to_string())?
                    .push(message.template.clone());
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn messages_are_delivered_once_and_kept_when_the_gateway_fails() {
        let database = zhiyuan_store::testing::fresh_sqlite();
        let store = zhiyuan_store::testing::open_store(&database).await;
        let user = store.create_user("13800001234", "李大爷", None, 0).await.unwrap();
        store.issue_activation_code(user, true, 0).await.unwrap();
        let down: Arc<dyn MessageGateway> = Arc::new(Recording {
            sent: Mutex::new(Vec::new()),
            fail: true,
        });
        assert_eq!(deliver_round(&store, &down, 1).await.unwrap(), 0);
        assert_eq!(
            store.outbox_for("13800001234").await.unwrap().len(),
            1,
            "kept for later"
        );
        let up = Arc::new(Recording {
            sent: Mutex::new(Vec::new()),
            fail: false,
        });
        let gateway: Arc<dyn MessageGateway> = up.clone();
        assert_eq!(deliver_round(&store, &gateway, 2).await.unwrap(), 1);
        assert_eq!(deliver_round(&store, &gateway, 3).await.unwrap(), 0, "never twice");
        assert_eq!(*up.sent.lock().unwrap(), ["activation_code"]);
        let log: Arc<dyn MessageGateway> = Arc::new(LogGateway);
        assert_eq!(deliver_round(&store, &log, 4).await.unwrap(), 0);
    }
}
