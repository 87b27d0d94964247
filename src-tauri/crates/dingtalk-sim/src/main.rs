//! `dingtalk-sim [--port 8787] [--token-ttl SECS] [--no-demo-data]`
//!
//! A standalone simulator for manual testing and for driving from other languages via the
//! `/_sim` admin routes. The first stdout line is machine-readable (`... listening on URL`) so a
//! parent process started with `--port 0` can learn the real port.

use dingtalk_sim::{
    SimConfig, SimHandle, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_SUITE_KEY,
    DEMO_SUITE_SECRET, DEMO_SUITE_TICKET,
};
use std::io::Write;
use std::time::Duration;

const USAGE: &str = "usage: dingtalk-sim [--port PORT (default 8787, 0 = any free)] [--token-ttl SECS (default 7200)] [--qps-limit N (room queries in any rolling second; default 0 = none, DingTalk's is 20)] [--no-demo-data]";

fn parse_args() -> Result<SimConfig, String> {
    let mut config = SimConfig {
        port: 8787,
        ..SimConfig::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--port" => {
                let v = value("a port number")?;
                config.port = v.parse().map_err(|_| format!("bad port: {v}"))?;
            }
            "--token-ttl" => {
                let v = value("a number of seconds")?;
                let secs: u64 = v.parse().map_err(|_| format!("bad token TTL: {v}"))?;
                config.token_ttl = Duration::from_secs(secs);
            }
            "--qps-limit" => {
                let v = value("a number of calls")?;
                let n: u32 = v.parse().map_err(|_| format!("bad QPS limit: {v}"))?;
                config.qps_limit = (n > 0).then_some(n);
            }
            "--no-demo-data" => config.demo_data = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(config)
}

/// Registers the handlers *now* and returns a future that completes on SIGTERM/SIGINT (Ctrl-C).
/// Registering before the "listening" line is printed matters: a parent that reads the line and
/// immediately sends SIGTERM must get a clean exit, not the default signal death.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dingtalk-sim: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sim = match SimHandle::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dingtalk-sim: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    let stop = stop_signal();
    let token = sim.issue_token();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "dingtalk-sim listening on {}", sim.base_url());
    let _ = writeln!(
        out,
        "internal app: appKey={DEMO_APP_KEY} appSecret={DEMO_APP_SECRET}"
    );
    let _ = writeln!(
        out,
        "third-party app: suiteKey={DEMO_SUITE_KEY} suiteSecret={DEMO_SUITE_SECRET} authCorpId={DEMO_CORP_ID} suiteTicket={DEMO_SUITE_TICKET}"
    );
    let _ = writeln!(out, "access token: {token}");
    let _ = out.flush();
    drop(out);

    stop.await;
    sim.shutdown();
}
