//! Cursor end conditions and load-all.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use dingtalk::{load_all, Cursor, ErrorKind, Meeting, Progress, LOAD_ALL_PAGE_SIZE};
use dingtalk_sim::{Fault, FaultRule, DEMO_ROOM, LARGE_ROOM_5K};
use tokio_util::sync::CancellationToken;

use super::common::*;

fn ids(ms: &[Meeting]) -> HashSet<String> {
    ms.iter()
        .map(|m| m.conference_id.clone().unwrap())
        .collect()
}

#[tokio::test]
async fn cursor_walks_to_has_more_false() {
    let sim = sim().await;
    let client = client(&sim);
    let mut cursor = Cursor::new(room(DEMO_ROOM), 20);
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    while let Some(page) = cursor.next_page(&client).await.unwrap() {
        sizes.push(page.items.len());
        assert_eq!(page.total_count, Some(45));
        all.extend(page.items);
    }
    assert_eq!(sizes, [20, 20, 5]);
    assert_eq!(ids(&all).len(), 45, "no duplicates, nothing skipped");
    assert!(cursor.is_done());
    assert_eq!(cursor.pages_fetched(), 3);
    assert_eq!(
        room_calls(&sim).len(),
        3,
        "the end is recognised without an extra call"
    );
    // Asking again costs nothing.
    assert!(cursor.next_page(&client).await.unwrap().is_none());
    assert_eq!(room_calls(&sim).len(), 3);
}

#[tokio::test]
async fn load_all_5000_in_exactly_50_calls_with_progress() {
    let sim = sim().await;
    let client = client(&sim);
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    assert_eq!(cursor.page_size(), LOAD_ALL_PAGE_SIZE);
    let mut all = Vec::new();
    let mut progress: Vec<Progress> = Vec::new();
    load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, p| {
            all.extend(page.items.iter().cloned());
            progress.push(p);
        },
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 5000);
    assert_eq!(ids(&all).len(), 5000);
    let calls = room_calls(&sim);
    assert_eq!(calls.len(), 50);
    assert!(calls
        .iter()
        .all(|r| r.query_param("maxResults") == Some("100")));
    assert_eq!(calls[0].query_param("nextToken"), None);
    let tokens: HashSet<_> = calls
        .iter()
        .filter_map(|r| r.query_param("nextToken"))
        .collect();
    assert_eq!(tokens.len(), 49, "every page fetched once");
    assert_eq!(progress.len(), 50);
    for (i, p) in progress.iter().enumerate() {
        assert_eq!(p.pages, i as u32 + 1);
        assert_eq!(p.loaded, (i as u64 + 1) * 100);
        assert_eq!(p.total, Some(5000));
    }
    assert!(cursor.is_done());
    assert_eq!(client.stats().room_calls, 50);
    assert_eq!(client.stats().token_calls, 1);
}

#[tokio::test]
async fn cursor_keeps_its_page_size_through_load_all() {
    let sim = sim().await;
    let client = client(&sim);
    let mut cursor = Cursor::new(room(DEMO_ROOM), 20);
    cursor.next_page(&client).await.unwrap().unwrap();
    let mut n = 20;
    load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, _| n += page.items.len(),
    )
    .await
    .unwrap();
    assert_eq!(n, 45);
    assert!(room_calls(&sim)
        .iter()
        .all(|r| r.query_param("maxResults") == Some("20")));
}

#[tokio::test]
async fn cancel_between_pages_keeps_what_was_loaded() {
    let sim = sim().await;
    let client = client(&sim);
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    let cancel = CancellationToken::new();
    let mut kept = Vec::new();
    let e = load_all(&client, &mut cursor, &cancel, |page, p| {
        kept.extend(page.items.iter().cloned());
        if p.pages == 3 {
            cancel.cancel();
        }
    })
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(kept.len(), 300);
    assert_eq!(room_calls(&sim).len(), 3, "no call after cancel");
    assert_eq!(cursor.pages_fetched(), 3);
    assert!(!cursor.is_done());
}

#[tokio::test]
async fn cancel_mid_request_is_prompt_and_the_load_can_resume() {
    let sim = sim().await;
    let client = client(&sim);
    // The 3rd page hangs for 3 s.
    sim.add_fault(
        FaultRule::once(Fault::Latency(Duration::from_secs(3)))
            .for_room(LARGE_ROOM_5K)
            .after_requests(2),
    );
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    let cancel = CancellationToken::new();
    let canceller = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            cancel.cancel();
        })
    };
    let started = Instant::now();
    let mut kept = Vec::new();
    let e = load_all(&client, &mut cursor, &cancel, |page, _| {
        kept.extend(page.items.iter().cloned())
    })
    .await
    .unwrap_err();
    canceller.await.unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(kept.len(), 200);
    assert_eq!(cursor.pages_fetched(), 2);

    // Resume: the page that was cut off is asked for again, then the rest.
    load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, _| kept.extend(page.items.iter().cloned()),
    )
    .await
    .unwrap();
    assert_eq!(kept.len(), 5000);
    assert_eq!(ids(&kept).len(), 5000);
}

#[tokio::test]
async fn failing_page_keeps_earlier_pages_and_the_cursor_resumes() {
    let sim = sim().await;
    let mut config = fast_config(&sim);
    config.max_retries = 1;
    let client = dingtalk::Client::new(config, app_creds()).unwrap();
    sim.add_fault(
        FaultRule::new(Fault::SystemError)
            .for_room(LARGE_ROOM_5K)
            .after_requests(3),
    );
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    let mut kept = Vec::new();
    let e = load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, _| kept.extend(page.items.iter().cloned()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(kept.len(), 300, "the pages before the failure are kept");
    assert_eq!(cursor.pages_fetched(), 3);
    assert_eq!(room_calls(&sim).len(), 5, "3 good + 1 failed with 1 retry");
    let failed_token = room_calls(&sim)[4]
        .query_param("nextToken")
        .map(str::to_owned);
    assert_eq!(failed_token.as_deref(), Some("300"));

    sim.clear_faults();
    load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, _| kept.extend(page.items.iter().cloned()),
    )
    .await
    .unwrap();
    assert_eq!(kept.len(), 5000);
    assert_eq!(ids(&kept).len(), 5000);
    let calls = room_calls(&sim);
    assert_eq!(calls.len(), 5 + 47);
    assert_eq!(
        calls[5].query_param("nextToken"),
        failed_token.as_deref(),
        "resumes at the failed page"
    );
}

#[tokio::test]
async fn repeated_token_stops_with_paging_loop() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(FaultRule::new(Fault::RepeatToken).for_room(LARGE_ROOM_5K));
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    let mut kept = Vec::new();
    let e = load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, _| kept.extend(page.items.iter().cloned()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PagingLoop, "{e}");
    assert_eq!(
        room_calls(&sim).len(),
        2,
        "the repeat is caught on the first repeated token"
    );
    assert_eq!(kept.len(), 200, "both pages' meetings are new and kept");
    assert_eq!(ids(&kept).len(), 200);
    assert!(cursor.is_done());
    assert!(cursor.next_page(&client).await.unwrap().is_none());
    assert_eq!(room_calls(&sim).len(), 2);
}

#[tokio::test]
async fn empty_page_claiming_more_stops_with_paging_loop() {
    let sim = sim().await;
    let client = client(&sim);
    sim.add_fault(
        FaultRule::new(Fault::EmptyPageClaimsMore)
            .for_room(LARGE_ROOM_5K)
            .after_requests(1),
    );
    let mut cursor = Cursor::for_load_all(room(LARGE_ROOM_5K));
    let mut kept = Vec::new();
    let e = load_all(
        &client,
        &mut cursor,
        &CancellationToken::new(),
        |page, _| kept.extend(page.items.iter().cloned()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PagingLoop);
    assert_eq!(kept.len(), 100);
    assert_eq!(room_calls(&sim).len(), 2);
    assert!(cursor.is_done());
}
