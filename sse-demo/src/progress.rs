//! Progress: a job runs on a plain OS thread and publishes its progress through the hub,
//! coalesced, then its result.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use sse_core::Event;
use sse_hub::Message;

use crate::catalogue::{JOB_DONE, PROGRESS};
use crate::{Demo, layout};

/// `GET /progress`.
pub async fn page(State(demo): State<Demo>) -> Html<String> {
    let body = format!(
        r#"<button hx-post="/progress/start" hx-swap="none">Start a job</button>
<div id="bar" {progress}><progress value="0" max="100"></progress> 0%</div>
<div id="result" {done}></div>"#,
        progress = PROGRESS.sse_swap(),
        done = JOB_DONE.sse_swap(),
    );
    let live = layout::live("/events/progress", &demo.hub.last_id().to_string(), &body);
    layout::page("Progress", &live)
}

/// `POST /progress/start`: starts a job on its own thread.
pub async fn start(State(demo): State<Demo>) -> StatusCode {
    let job = demo.jobs.fetch_add(1, Ordering::Relaxed) + 1;
    let step = demo.job_step;
    std::thread::spawn(move || run(&demo, job, step));
    StatusCode::ACCEPTED
}

/// The job: 100 steps, each published under one key, so a slow tab only ever has the
/// latest step waiting; then the result.
fn run(demo: &Demo, job: u64, step: Duration) {
    for percent in 1..=100u32 {
        std::thread::sleep(step);
        let bar = format!(r#"<progress value="{percent}" max="100"></progress> {percent}%"#);
        let Ok(event) = Event::new().with_event_type(PROGRESS) else {
            return;
        };
        let message = Message::new("progress", event.with_data(bar))
            .with_coalescing_key(format!("job-{job}"));
        if demo.hub.send(message).is_err() {
            return; // the hub closed: the server is stopping
        }
    }
    let result = format!("<p>Job {job} done: 100 widgets polished.</p>");
    let _ = demo.hub.publish("progress", (JOB_DONE, result));
}
