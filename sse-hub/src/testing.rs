//! What the unit tests share: a subscription's ready events, as a client reads them.

use futures_util::{FutureExt, StreamExt};

use crate::Subscription;

/// Everything the stream yields without waiting, as text; `"<end>"` if it ended.
pub(crate) fn drain<M: Send + Sync + 'static>(sub: &mut Subscription<M>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(item) = sub.next().now_or_never() {
        match item {
            Some(event) => out.push(String::from_utf8_lossy(event.as_bytes()).into_owned()),
            None => {
                out.push("<end>".into());
                break;
            }
        }
    }
    out
}

/// What a client makes of each of `texts` (decoded by ssekit-core): an event's data, a
/// comment as `:text`, a reconnection time as `reconnect after N ms`; `"<end>"` kept.
pub(crate) fn data(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .map(|text| {
            if text == "<end>" {
                return text.clone();
            }
            let mut decoder = ssekit_core::Decoder::new().with_comments(true);
            let items: Vec<String> = decoder
                .feed(text.as_bytes())
                .map(|item| match item {
                    Ok(ssekit_core::Decoded::Event(event)) => event.data().to_owned(),
                    Ok(ssekit_core::Decoded::Comment(comment)) => format!(":{comment}"),
                    Ok(ssekit_core::Decoded::Retry(time)) => {
                        format!("reconnect after {} ms", time.as_millis())
                    }
                    other => format!("{other:?}"),
                })
                .collect();
            items.join("|")
        })
        .collect()
}
