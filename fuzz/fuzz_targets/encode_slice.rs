//! An arbitrary event into a buffer of arbitrary size: `Ok(n)` means `n == encoded_len()` and
//! the bytes equal the `Vec` encoding; `Err` means the buffer is untouched.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ssekit_core::{EncodeError, Event};

fuzz_target!(|input: (u16, Option<&str>, Option<&str>, Option<u32>, Option<&str>, Option<&str>)| {
    let (size, event_type, id, retry, data, comment) = input;
    let mut event = Event::new();
    if let Some(t) = event_type {
        let Ok(e) = event.with_event_type(t) else { return };
        event = e;
    }
    if let Some(id) = id {
        let Ok(e) = event.with_id(id) else { return };
        event = e;
    }
    if let Some(ms) = retry {
        event = event.with_retry(Duration::from_millis(u64::from(ms)));
    }
    if let Some(d) = data {
        event = event.with_data(d);
    }
    if let Some(c) = comment {
        event = event.with_comment(c);
    }
    let mut buf = vec![0xA5u8; usize::from(size)];
    match event.encode_to_slice(&mut buf) {
        Ok(n) => {
            assert_eq!(n, event.encoded_len());
            let mut whole = Vec::new();
            assert_eq!(event.encode_to_vec(&mut whole), Ok(n));
            assert_eq!(&buf[..n], &whole[..]);
            assert!(buf[n..].iter().all(|&b| b == 0xA5));
        }
        Err(EncodeError::BufferTooSmall { required, available }) => {
            assert_eq!(required, event.encoded_len());
            assert_eq!(available, buf.len());
            assert!(required > available);
            assert!(buf.iter().all(|&b| b == 0xA5), "buffer touched");
        }
        Err(e) => panic!("unexpected {e}"),
    }
});
