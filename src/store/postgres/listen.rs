//! The change listener: one connection per node that `LISTEN`s on the `warden` channel
//! and passes each notification to the node's subscribers ([`Store::subscribe`]).
//!
//! Notifications only wake; the tables are the truth. A subscriber re-reads what a
//! notice names (the change log after its position, the keys, a community's settings),
//! so a notice that arrives twice or late costs a read, and one that is lost (the
//! listener's connection dropped) is covered by [`Changed::Resync`], sent after every
//! reconnection, and by subscribers' own periodic re-reads.

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::AsyncMessage;

use crate::store::Changed;

type Subscribers = Arc<Mutex<Vec<mpsc::Sender<Changed>>>>;

/// What a notice's payload names.
pub(super) fn parse(payload: &str) -> Changed {
    match payload {
        "rules" => Changed::Rules(None),
        "keys" => Changed::Keys,
        other => {
            if let Some(seq) = other.strip_prefix("rules:") {
                return Changed::Rules(seq.parse().ok());
            }
            match other
                .strip_prefix("community:")
                .and_then(|c| c.parse().ok())
            {
                Some(community) => Changed::Community(community),
                None => Changed::Resync,
            }
        }
    }
}

/// Hands `change` to every subscriber, forgetting those that went away.
pub(super) fn publish(subscribers: &Subscribers, change: Changed) {
    let mut list = subscribers.lock().unwrap_or_else(|e| e.into_inner());
    list.retain(|s| s.send(change.clone()).is_ok());
}

/// Listens until the runtime stops, reconnecting after a second when the connection
/// fails.
pub(super) async fn run(config: tokio_postgres::Config, target: String, subscribers: Subscribers) {
    loop {
        match config.connect(tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                // The connection must be polled for LISTEN to complete, and its messages
                // are the notifications.
                let stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                let pump = tokio::spawn(async move {
                    let mut stream = std::pin::pin!(stream);
                    while let Some(message) = stream.next().await {
                        match message {
                            Ok(AsyncMessage::Notification(n)) => {
                                if tx.send(n.payload().to_string()).is_err() {
                                    break;
                                }
                            }
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                });
                match client.batch_execute("LISTEN warden").await {
                    Ok(()) => {
                        // Whatever was announced while we were away is lost; before the
                        // first LISTEN too: a key or policy another node changed between
                        // this node's first reads and now would stay unknown until its
                        // next change.
                        publish(&subscribers, Changed::Resync);
                        while let Some(payload) = rx.recv().await {
                            publish(&subscribers, parse(&payload));
                        }
                        tracing::warn!(%target, "PostgreSQL change listener lost its connection");
                    }
                    Err(e) => {
                        tracing::warn!(%target, error = %super::schema::describe(&e), "LISTEN failed");
                    }
                }
                pump.abort();
            }
            Err(e) => {
                tracing::warn!(%target, error = %super::schema::describe(&e), "PostgreSQL change listener cannot connect");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
