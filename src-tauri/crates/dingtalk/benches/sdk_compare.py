#!/usr/bin/env python3
"""Time the official DingTalk Python SDK fetching every page of one room.

The yardstick for MeetDesk's Rust client (see examples/bench_fetch.rs, which starts the
simulator, runs both and prints the ratio). Needs `pip install alibabacloud-dingtalk`.

    python3 sdk_compare.py --base-url http://127.0.0.1:PORT --token TOKEN \
        [--room 500000005] [--page-size 100] [--runs 5]

Prints one JSON line: {"median_s", "runs_s", "pages", "meetings", "sdk_version"}.
Exit status 2 when the SDK is not installed, 1 when a fetch fails or the counts disagree.
"""

import argparse
import json
import statistics
import sys
import time
from urllib.parse import urlsplit


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080")
    ap.add_argument("--token", required=True, help="a valid access token")
    ap.add_argument("--room", default="500000005", help="room code (default: LARGE_ROOM_5K)")
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--expect", type=int, default=None, help="meetings expected per run")
    args = ap.parse_args()

    try:
        from alibabacloud_dingtalk.conference_1_0 import models as conf_models
        from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
        from alibabacloud_tea_openapi import models as open_api_models
        from alibabacloud_tea_util import models as util_models
    except ImportError as e:  # pragma: no cover - environment problem
        print(f"the official SDK is missing ({e}); run: pip install alibabacloud-dingtalk", file=sys.stderr)
        return 2
    try:
        from importlib.metadata import version

        sdk_version = version("alibabacloud-dingtalk")
    except Exception:  # pragma: no cover
        sdk_version = "unknown"

    url = urlsplit(args.base_url)
    config = open_api_models.Config(protocol=url.scheme or "http", endpoint=url.netloc)
    client = ConferenceClient(config)
    headers = conf_models.QueryConferenceInfoByRoomCodeHeaders(x_acs_dingtalk_access_token=args.token)
    # The SDK's defaults (no retries, connect 5 s / read 10 s): what an integrator would get.
    runtime = util_models.RuntimeOptions()

    def fetch_all() -> tuple[int, int]:
        pages = meetings = 0
        token = None
        while True:
            request = conf_models.QueryConferenceInfoByRoomCodeRequest(
                max_results=args.page_size, next_token=token
            )
            resp = client.query_conference_info_by_room_code_with_options(args.room, request, headers, runtime)
            body = resp.body
            pages += 1
            meetings += len(body.conference_list or [])
            token = body.next_token
            if not body.has_more or not token:
                return pages, meetings

    runs = []
    pages = meetings = 0
    for _ in range(args.runs):
        started = time.perf_counter()
        pages, meetings = fetch_all()
        runs.append(time.perf_counter() - started)
        if args.expect is not None and meetings != args.expect:
            print(f"expected {args.expect} meetings, got {meetings}", file=sys.stderr)
            return 1

    print(
        json.dumps(
            {
                "median_s": statistics.median(runs),
                "runs_s": runs,
                "pages": pages,
                "meetings": meetings,
                "sdk_version": sdk_version,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
