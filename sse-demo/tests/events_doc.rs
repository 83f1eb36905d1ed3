//! `SSE_EVENTS.md` is generated from the catalogue: this fails when it is stale. Run with
//! `UPDATE_EVENTS_DOC=1` to rewrite it.

#[test]
fn sse_events_md_matches_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/SSE_EVENTS.md");
    let want = sse_demo::catalogue::document();
    if std::env::var_os("UPDATE_EVENTS_DOC").is_some() {
        std::fs::write(path, &want).expect("write SSE_EVENTS.md");
    }
    let got = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        got == want,
        "sse-demo/SSE_EVENTS.md is stale: run `UPDATE_EVENTS_DOC=1 cargo test -p sse-demo --test events_doc`"
    );
}
