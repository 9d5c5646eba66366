//! Load from wrk (Debian's package) for the benchmarks: latency percentiles on loopback.

use std::process::Command;

/// (p50, p99) in milliseconds of `url` under `connections` for `seconds`, each request
/// with `headers` (`Name: value`). Panics when a response is not 2xx.
pub fn wrk_latency(url: &str, connections: u32, seconds: u32, headers: &[String]) -> (f64, f64) {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t1".to_owned(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        url.to_owned(),
    ]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd.output().expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    if std::env::var_os("ISCHED_BENCH_VERBOSE").is_some() {
        eprintln!("{text}");
    }
    assert!(!text.contains("Non-2xx"), "{url} answered errors:\n{text}");
    let pick = |label: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in wrk's output:\n{text}"));
        let value = line.split_whitespace().nth(1).expect("a value");
        let (number, unit) = value.split_at(value.find(|c: char| c.is_alphabetic()).expect("unit"));
        let n: f64 = number.parse().expect("number");
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            other => panic!("unit {other}"),
        }
    };
    (pick("50%"), pick("99%"))
}
