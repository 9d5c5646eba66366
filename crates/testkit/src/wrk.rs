//! Load from wrk (Debian's package) for the benchmarks: latency percentiles and
//! throughput on loopback.

use std::path::Path;
use std::process::Command;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub struct WrkFigures {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests_per_sec: f64,
}

/// One wrk run: `connections` over as many threads (at most 4), for `seconds`, each request
/// with `headers` (`Name: value`), shaped by the Lua `script` when given (a method, a body,
/// a token carried from one answer to the next). Panics when a response is not 2xx.
pub fn wrk(
    url: &str,
    connections: u32,
    seconds: u32,
    headers: &[String],
    script: Option<&Path>,
) -> WrkFigures {
    run(
        url,
        connections.clamp(1, 4),
        connections,
        seconds,
        headers,
        script,
    )
}

fn run(
    url: &str,
    threads: u32,
    connections: u32,
    seconds: u32,
    headers: &[String],
    script: Option<&Path>,
) -> WrkFigures {
    let mut cmd = Command::new("wrk");
    cmd.args([
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        url.to_owned(),
    ]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    let out = cmd.output().expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    if std::env::var_os("ISCHED_BENCH_VERBOSE").is_some() {
        eprintln!("{text}");
    }
    assert!(!text.contains("Non-2xx"), "{url} answered errors:\n{text}");
    let value = |label: &str| -> &str {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in wrk's output:\n{text}"));
        line.trim_start()[label.len()..]
            .split_whitespace()
            .next()
            .expect("a value")
    };
    let millis = |label: &str| -> f64 {
        let v = value(label);
        let (number, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).expect("unit"));
        let n: f64 = number.parse().expect("number");
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            other => panic!("unit {other}"),
        }
    };
    WrkFigures {
        p50_ms: millis("50%"),
        p99_ms: millis("99%"),
        requests_per_sec: value("Requests/sec:").parse().expect("requests per second"),
    }
}

/// GET `url` under `connections` (one wrk thread, as the earlier figures were taken) for
/// `seconds`, each request with `headers`. Panics when a response is not 2xx.
pub fn wrk_latency(url: &str, connections: u32, seconds: u32, headers: &[String]) -> WrkFigures {
    run(url, 1, connections, seconds, headers, None)
}

/// Resident memory of this process, in MiB: the benchmarks run the server in-process, so
/// this is the server's memory (plus the benchmark's own data).
pub fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmRSS");
    kb / 1024.0
}
