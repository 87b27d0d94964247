//! Helpers shared by the integration tests: a blank simulator per test and a raw view of
//! responses, so assertions are about the wire (status, headers, body text), not a client's
//! interpretation of it.
// Each test binary uses some of these.
#![allow(dead_code, unused_imports)]

pub use dingtalk_sim::testing::{blank_sim, demo_sim};
use dingtalk_sim::SimHandle;
use serde_json::{json, Value};

/// Ignores any proxy in the environment: these requests must reach loopback directly.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    /// Asserts the DingTalk error envelope and the request-id header, and returns the code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "status for {code}: {}", self.text);
        let body = self.json();
        assert_eq!(body["code"], code, "{}", self.text);
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.text
        );
        let rid = body["requestid"].as_str().expect("requestid");
        assert!(!rid.is_empty());
        assert_eq!(self.header("x-acs-request-id").as_deref(), Some(rid));
        assert!(self
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            body.as_object().unwrap().len(),
            3,
            "only code/message/requestid: {}",
            self.text
        );
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> Resp {
    let r = req.send().await.expect("request is answered");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    Resp {
        status,
        headers,
        text,
    }
}

/// `GET {base}/v1.0/conference/roomCodes/{raw_room}/infos{query}`; `raw_room` goes on the wire
/// as given (already percent-encoded if it needs to be).
pub async fn room(sim: &SimHandle, token: Option<&str>, raw_room: &str, query: &str) -> Resp {
    let url = format!(
        "{}/v1.0/conference/roomCodes/{raw_room}/infos{query}",
        sim.base_url()
    );
    let mut req = client().get(url).header("accept", "application/json");
    if let Some(t) = token {
        req = req.header("x-acs-dingtalk-access-token", t);
    }
    send(req).await
}

pub async fn post_json(sim: &SimHandle, path: &str, body: Value) -> Resp {
    send(
        client()
            .post(format!("{}{path}", sim.base_url()))
            .json(&body),
    )
    .await
}

/// A new token from the app-token endpoint with the demo app's credentials, over the wire.
pub async fn wire_token(sim: &SimHandle) -> String {
    let r = post_json(
        sim,
        "/v1.0/oauth2/accessToken",
        json!({"appKey": "demo-app-key", "appSecret": "demo-app-secret"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["accessToken"]
        .as_str()
        .expect("accessToken")
        .to_string()
}

/// `n` meetings with distinct ids and start times one hour apart, newest first.
pub fn meetings(room: &str, n: usize) -> Vec<Value> {
    let newest: i64 = 1_700_000_000_000;
    (0..n)
        .map(|i| {
            let start = newest - i as i64 * 3_600_000;
            json!({
                "conferenceId": format!("conf-{i:04}"),
                "title": format!("Meeting {i}"),
                "roomCode": room,
                "externalLinkUrl": format!("https://meeting.dingtalk.com/app?roomCode={room}&token=t{i}"),
                "status": 1,
                "startTime": start,
                "endTime": start + 1_800_000,
                "confDuration": 1_800_000,
                "creatorId": "uid",
                "creatorNick": "Host",
                "scheduleConferenceId": "sched",
                "bizType": "3"
            })
        })
        .collect()
}

/// Follow nextToken until the server says stop; panics after `max_pages` (no test should loop).
pub async fn load_all(
    sim: &SimHandle,
    token: &str,
    room_code: &str,
    page_size: u32,
    max_pages: usize,
) -> (Vec<Value>, Vec<Value>) {
    let mut items = Vec::new();
    let mut pages = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..max_pages {
        let q = match &next {
            None => format!("?maxResults={page_size}"),
            Some(t) => format!("?maxResults={page_size}&nextToken={t}"),
        };
        let r = room(sim, Some(token), room_code, &q).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        items.extend(body["conferenceList"].as_array().unwrap().iter().cloned());
        let more = body["hasMore"].as_bool().unwrap();
        next = body
            .get("nextToken")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        pages.push(body);
        if !more {
            return (items, pages);
        }
    }
    panic!("more than {max_pages} pages");
}
