//! The standalone binary and the `/_sim` admin routes that drive it.

mod common;

use common::client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sim {
    child: Child,
    base: String,
    token: String,
    lines: Vec<String>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dingtalk-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut token = None;
    while token.is_none() {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "stdout closed early: {lines:?}"
        );
        let line = line.trim_end().to_string();
        token = line.strip_prefix("access token: ").map(str::to_string);
        lines.push(line);
    }
    let base = lines[0]
        .strip_prefix("dingtalk-sim listening on ")
        .unwrap_or_else(|| panic!("first line: {}", lines[0]))
        .to_string();
    Sim {
        child,
        base,
        token: token.unwrap(),
        lines,
    }
}

async fn get_json(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.header("x-acs-dingtalk-access-token", t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn binary_serves_demo_data_and_admin_routes() {
    let sim = spawn(&["--port", "0", "--token-ttl", "60"]);
    let port: u16 = sim
        .base
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0, "the real port is printed");
    assert!(sim
        .lines
        .iter()
        .any(|l| l.contains("appKey=demo-app-key") && l.contains("appSecret=demo-app-secret")));
    assert!(sim
        .lines
        .iter()
        .any(|l| l.contains("suiteTicket=demo-suite-ticket")));

    let room_url = |code: &str| format!("{}/v1.0/conference/roomCodes/{code}/infos", sim.base);
    let (status, body) = get_json(&room_url("427233559"), Some(&sim.token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 45);

    let c = client();
    let token_resp: Value = c
        .post(format!("{}/v1.0/oauth2/accessToken", sim.base))
        .json(&json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token_resp["expireIn"], 60);

    // Faults over HTTP, in the documented JSON form.
    let r = c
        .post(format!("{}/_sim/faults", sim.base))
        .body(r#"{"roomCode":"427233559","fault":{"kind":"systemError"},"after":1,"times":null}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bad = c
        .post(format!("{}/_sim/faults", sim.base))
        .body(r#"{"fault":{"kind":"nope"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(
        get_json(&room_url("427233559"), Some(&sim.token)).await.0,
        200
    );
    let (status, body) = get_json(&room_url("427233559"), Some(&sim.token)).await;
    assert_eq!((status, body["code"].as_str()), (500, Some("systemError")));
    c.delete(format!("{}/_sim/faults", sim.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get_json(&room_url("427233559"), Some(&sim.token)).await.0,
        200
    );

    // Rooms.
    let r = c
        .put(format!("{}/_sim/rooms/222333444", sim.base))
        .body(r#"[{"conferenceId":"a","startTime":1},{"conferenceId":"b","startTime":2}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, body) = get_json(&room_url("222333444"), Some(&sim.token)).await;
    assert_eq!(body["totalCount"], 2);
    assert_eq!(body["conferenceList"][0]["conferenceId"], "b");
    let bad = c
        .put(format!("{}/_sim/rooms/222333444", sim.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Request record: DingTalk routes only.
    let (status, list) = get_json(&format!("{}/_sim/requests", sim.base), None).await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 6, "{list:#?}");
    assert_eq!(list[0]["method"], "GET");
    assert_eq!(
        list[0]["path"],
        "/v1.0/conference/roomCodes/427233559/infos"
    );
    assert_eq!(list[0]["accessToken"], sim.token.as_str());
    assert_eq!(list[1]["body"]["appKey"], "demo-app-key");
    assert!(list[1]["atMs"].as_f64().unwrap() >= list[0]["atMs"].as_f64().unwrap());
    c.delete(format!("{}/_sim/requests", sim.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get_json(&format!("{}/_sim/requests", sim.base), None)
            .await
            .1,
        json!([])
    );

    // Tokens.
    let minted: Value = c
        .post(format!("{}/_sim/tokens", sim.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let minted = minted["accessToken"].as_str().unwrap().to_string();
    assert_eq!(get_json(&room_url("100000000"), Some(&minted)).await.0, 200);
    c.post(format!("{}/_sim/tokens/expire", sim.base))
        .send()
        .await
        .unwrap();
    let (status, body) = get_json(&room_url("100000000"), Some(&minted)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("InvalidAuthentication"))
    );
}

#[tokio::test]
async fn binary_without_demo_data() {
    let sim = spawn(&["--port=0", "--no-demo-data"]);
    let (status, body) = get_json(
        &format!("{}/v1.0/conference/roomCodes/427233559/infos", sim.base),
        Some(&sim.token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 0);
}

#[test]
fn binary_rejects_bad_arguments() {
    for args in [
        &["--port", "abc"][..],
        &["--bogus"][..],
        &["--token-ttl"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dingtalk-sim"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
    }
}

#[cfg(unix)]
#[test]
fn binary_exits_cleanly_on_sigterm() {
    let mut sim = spawn(&["--port", "0"]);
    let status = Command::new("kill")
        .args(["-TERM", &sim.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(st) = sim.child.try_wait().unwrap() {
            assert!(st.success(), "exit status {st:?}");
            break;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}
