//! The harness's own servers work: moto answers AWS API calls, the SMTP sink keeps mail.

use isched_testkit::{Moto, SmtpSink};
use std::time::Duration;

#[tokio::test]
async fn moto_answers_on_a_free_port() {
    let moto = Moto::start();
    assert!(moto.endpoint.starts_with("http://127.0.0.1:"));
    // moto's own dashboard-free API endpoint for resetting state.
    let res = reqwest::Client::new()
        .post(format!("{}/moto-api/reset", moto.endpoint))
        .send()
        .await
        .expect("moto answers");
    assert!(res.status().is_success(), "{}", res.status());
}

#[tokio::test]
async fn smtp_sink_keeps_what_it_receives() {
    let sink = SmtpSink::start();
    // Send with Python's smtplib from the same virtualenv: a real SMTP conversation.
    let python =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let script = format!(
        "import smtplib\nfrom email.message import EmailMessage\nm = EmailMessage()\n\
         m['From'] = 'isched@example.com'\nm['To'] = 'ada@example.com'\nm['Subject'] = 'Hello from the test'\n\
         m.set_content('body text')\nwith smtplib.SMTP('127.0.0.1', {}) as s:\n    s.send_message(m)\n",
        sink.port
    );
    let status = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .status()
        .expect("python runs");
    assert!(status.success());
    let messages = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].header("Subject").as_deref(),
        Some("Hello from the test")
    );
    assert!(messages[0].raw.contains("body text"));
    assert_eq!(sink.url(), format!("smtp://127.0.0.1:{}", sink.port));
}
