//! The end-to-end harness: the real `meetdesk` binary in its real WebKitGTK web view, on its own
//! Xvfb display, driven over WebDriver (`WebKitWebDriver`, Debian's `webkit2gtk-driver`) with
//! `fantoccini`.
//!
//! One test = one [`App`]: a temporary folder (data dir, HOME, XDG dirs, a recording `xdg-open`),
//! an Xvfb server, a WebKitWebDriver on a free loopback port, and a WebDriver session whose
//! "browser" is MeetDesk. The driver's environment is what the app inherits, so the simulator's
//! address and credentials travel as `MEETDESK_*` variables. Tests run one at a time (a static
//! mutex): two cores do not run two WebKit processes trees well.
//!
//! Every process started here is ended here, by its id: the session is closed (which ends the
//! app), WebKitWebDriver and Xvfb get SIGTERM (SIGKILL only after a grace period), and anything
//! the driver left behind is looked up by parent id before the driver goes. The children's output
//! goes to files in the temporary folder, never to the test's own pipes, so a stray process can
//! never hold `cargo test`'s output open. If the test process itself dies, PR_SET_PDEATHSIG ends
//! Xvfb and the driver.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dingtalk_sim::SimHandle;
use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MouseActions, PointerAction, MOUSE_BUTTON_LEFT,
};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// Default wait for something the user would see "at once" (a render, a dialog).
pub const SHORT: Duration = Duration::from_secs(10);
/// Wait for things that involve retries with backoff, or many pages.
pub const LONG: Duration = Duration::from_secs(45);

/// One test at a time (an async mutex: waiting tests hold no thread and nothing is poisoned).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What to start the app with.
#[derive(Clone, Default)]
pub struct Launch {
    env: Vec<(String, String)>,
    keychain: bool,
    /// Files written into the data folder before the app first starts (name, contents).
    data_files: Vec<(String, String)>,
    /// The app binary; `None` = this build's `meetdesk` (`CARGO_BIN_EXE_meetdesk`).
    binary: Option<PathBuf>,
}

impl Launch {
    /// No credentials at all: the first-run screen.
    pub fn bare() -> Self {
        Launch::default()
    }

    /// Pointed at `sim` with the simulator's demo internal-app credentials.
    pub fn with_sim(sim: &SimHandle) -> Self {
        dingtalk_sim::testing::demo_app_env(sim)
            .iter()
            .fold(Launch::bare(), |l, (k, v)| l.env(k, v))
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn without(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// A private D-Bus session with an unlocked gnome-keyring (the Secret Service) for the app.
    pub fn with_keychain(mut self) -> Self {
        self.keychain = true;
        self
    }

    /// A file in the app's data folder before it first starts, e.g. `settings.json`.
    pub fn data_file(mut self, name: &str, contents: &str) -> Self {
        self.data_files
            .push((name.to_string(), contents.to_string()));
        self
    }

    /// Another `meetdesk` binary (e.g. a release build) instead of this build's debug one.
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }
}

/// A child process that is always ended: SIGTERM, a grace period, then SIGKILL.
struct Proc {
    name: &'static str,
    child: Child,
}

impl Proc {
    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn terminate(&mut self, grace: Duration) {
        if !self.running() {
            return;
        }
        signal(self.pid(), libc::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if !self.running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!(
            "e2e: {} (pid {}) ignored SIGTERM for {grace:?}; killing it",
            self.name,
            self.pid()
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: plain syscall on a pid we started (or found as its descendant).
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Ends the child when the thread that started it ends (the test thread), should the test
/// process die without running its destructors.
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

fn log_file(dir: &Path, name: &str) -> Stdio {
    std::fs::File::create(dir.join(name))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// pid → (parent pid, command name, state letter), read from /proc.
fn process_table() -> HashMap<i32, (i32, String, char)> {
    let mut out = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let state = rest.first().and_then(|s| s.chars().next()).unwrap_or('?');
        if let Some(ppid) = rest.get(1).and_then(|p| p.parse().ok()) {
            out.insert(pid, (ppid, comm, state));
        }
    }
    out
}

/// Every descendant of `root`, with its command name. A zombie counts when `zombies` is set: a
/// thread-group leader shows `Z` while its other threads are still exiting (with its sockets
/// still open), until its parent reaps it.
fn descendants_with(root: i32, zombies: bool) -> Vec<(i32, String)> {
    let table = process_table();
    let mut out = Vec::new();
    let mut seen = HashSet::from([root]);
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (&pid, (ppid, comm, state)) in &table {
            if *ppid == p && (zombies || *state != 'Z') && seen.insert(pid) {
                out.push((pid, comm.clone()));
                frontier.push(pid);
            }
        }
    }
    out
}

/// Every live (not zombie) descendant of `root`.
fn descendants(root: i32) -> Vec<(i32, String)> {
    descendants_with(root, false)
}

fn still_alive(pid: i32, comm: &str) -> bool {
    process_table()
        .get(&pid)
        .is_some_and(|(_, c, state)| c == comm && *state != 'Z')
}

/// Starts Xvfb on a free display (`-displayfd`: the server picks the number and tells us).
fn start_xvfb(dir: &Path) -> (Proc, String) {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 fills two fds.
    assert_eq!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) },
        0,
        "pipe2"
    );
    let (read_fd, write_fd) = (fds[0], fds[1]);
    let mut cmd = Command::new("Xvfb");
    cmd.args([
        "-displayfd",
        "3",
        "-screen",
        "0",
        "1280x800x24",
        "-nolisten",
        "tcp",
        "-noreset",
    ])
    .stdin(Stdio::null())
    .stdout(log_file(dir, "xvfb.log"))
    .stderr(log_file(dir, "xvfb.err.log"));
    // SAFETY: dup2/fcntl/prctl are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if write_fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0);
            } else if libc::dup2(write_fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .expect("start Xvfb (Debian package xvfb; run scripts/install-deps.sh --test)");
    // SAFETY: we own both ends; the child has its copy.
    unsafe { libc::close(write_fd) };
    let mut proc_ = Proc {
        name: "Xvfb",
        child,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // SAFETY: read_fd is ours and is closed with the File.
        let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(read_fd) };
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = f.read(&mut byte) {
            if byte[0] == b'\n' {
                break;
            }
            buf.push(byte[0]);
        }
        let _ = tx.send(String::from_utf8_lossy(&buf).trim().to_string());
    });
    let display = match rx.recv_timeout(Duration::from_secs(15)) {
        Ok(n) if !n.is_empty() => format!(":{n}"),
        other => {
            proc_.terminate(Duration::from_secs(2));
            let err = std::fs::read_to_string(dir.join("xvfb.err.log")).unwrap_or_default();
            panic!("Xvfb did not report a display ({other:?}): {err}");
        }
    };
    (proc_, display)
}

/// A private session bus plus gnome-keyring-daemon, unlocked with a fixed password.
fn start_keychain(dir: &Path) -> (Proc, Proc, String) {
    let bus_path = dir.join("bus");
    let mut cmd = Command::new("dbus-daemon");
    cmd.args(["--session", "--nofork", "--print-address=1"])
        .arg(format!("--address=unix:path={}", bus_path.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file(dir, "dbus.log"));
    die_with_parent(&mut cmd);
    let mut child = cmd
        .spawn()
        .expect("start dbus-daemon (Debian package dbus-daemon)");
    let mut out = child.stdout.take().unwrap();
    let mut bus = Proc {
        name: "dbus-daemon",
        child,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = out.read(&mut byte) {
            if byte[0] == b'\n' {
                break;
            }
            buf.push(byte[0]);
        }
        let _ = tx.send(String::from_utf8_lossy(&buf).trim().to_string());
        // Keep reading so the daemon never blocks on a full pipe.
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    let address = match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(a) if !a.is_empty() => a,
        other => {
            bus.terminate(Duration::from_secs(2));
            panic!("dbus-daemon did not print its address: {other:?}");
        }
    };

    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("HOME", dir.join("home"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .stdin(Stdio::piped())
        .stdout(log_file(dir, "keyring.log"))
        .stderr(log_file(dir, "keyring.err.log"));
    die_with_parent(&mut cmd);
    let mut child = cmd
        .spawn()
        .expect("start gnome-keyring-daemon (Debian package gnome-keyring)");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // The login keyring's password: a fixed one, this keyring lives in a temporary folder.
        let _ = stdin.write_all(b"meetdesk-e2e");
    } // closing stdin ends the password
    let keyring = Proc {
        name: "gnome-keyring-daemon",
        child,
    };

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let owned = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stderr(Stdio::null())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
            .unwrap_or(false);
        if owned {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "gnome-keyring-daemon did not take org.freedesktop.secrets"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (bus, keyring, address)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// JavaScript truthiness of a WebDriver result.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// A running MeetDesk under WebDriver, for one test.
pub struct App {
    pub name: String,
    dir: tempfile::TempDir,
    xvfb: Option<Proc>,
    keychain: Option<(Proc, Proc)>,
    driver: Option<Proc>,
    port: u16,
    env: Vec<(String, String)>,
    binary: PathBuf,
    client: Option<Client>,
    session_id: Option<String>,
    started: Instant,
}

impl App {
    /// Starts everything and waits for the first screen (first run or the search bar).
    /// Call inside [`within`], which runs tests one at a time.
    pub async fn start(name: &str, launch: Launch) -> App {
        let started = Instant::now();
        let dir = tempfile::Builder::new()
            .prefix("meetdesk-e2e-")
            .tempdir()
            .unwrap();
        let root = dir.path().to_path_buf();
        for sub in [
            "data",
            "bin",
            "home",
            "xdg-config",
            "xdg-data",
            "xdg-cache",
            "run",
            "out",
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::set_permissions(
            root.join("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        for (name, contents) in &launch.data_files {
            std::fs::write(root.join("data").join(name), contents).unwrap();
        }

        // The opener plugin runs `xdg-open URL` (first on PATH): record instead of opening.
        let opener = root.join("bin/xdg-open");
        std::fs::write(
            &opener,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexit 0\n",
                root.join("opened.txt").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();

        let mut app = App {
            name: name.to_string(),
            dir,
            xvfb: None,
            keychain: None,
            driver: None,
            port: 0,
            env: Vec::new(),
            binary: launch
                .binary
                .clone()
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_meetdesk"))),
            client: None,
            session_id: None,
            started,
        };

        let (xvfb, display) = start_xvfb(&root);
        app.xvfb = Some(xvfb);

        let path = format!(
            "{}:{}",
            root.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut env: Vec<(String, String)> = vec![
            ("DISPLAY".into(), display),
            ("TAURI_WEBVIEW_AUTOMATION".into(), "true".into()),
            (
                "MEETDESK_DATA_DIR".into(),
                root.join("data").display().to_string(),
            ),
            ("PATH".into(), path),
            ("HOME".into(), root.join("home").display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                root.join("xdg-config").display().to_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                root.join("xdg-data").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                root.join("xdg-cache").display().to_string(),
            ),
            (
                "XDG_RUNTIME_DIR".into(),
                root.join("run").display().to_string(),
            ),
            ("LANG".into(), "C.UTF-8".into()),
            ("LANGUAGE".into(), "en_US:en".into()),
            ("NO_AT_BRIDGE".into(), "1".into()),
            // Not WEBKIT_DISABLE_DMABUF_RENDERER=1: with it, WebDriver screenshots hang (2.50).
        ];
        if launch.keychain {
            let (bus, keyring, address) = start_keychain(&root);
            app.keychain = Some((bus, keyring));
            env.push(("DBUS_SESSION_BUS_ADDRESS".into(), address));
        } else {
            env.push(("MEETDESK_NO_KEYCHAIN".into(), "1".into()));
        }
        for (k, v) in launch.env {
            env.retain(|(ek, _)| *ek != k);
            env.push((k, v));
        }
        app.env = env;
        app.start_driver();
        app.open_session().await;
        app
    }

    fn start_driver(&mut self) {
        let root = self.dir.path().to_path_buf();
        for attempt in 0..3 {
            let port = free_port();
            let mut cmd = Command::new("WebKitWebDriver");
            cmd.arg(format!("--port={port}"))
                .arg("--host=127.0.0.1")
                .env_clear()
                .stdin(Stdio::null())
                .stdout(log_file(&root, "webdriver.log"))
                .stderr(log_file(&root, "app.stderr.log"));
            // The parent's environment, minus anything that could point the app elsewhere.
            for (k, v) in std::env::vars() {
                let drop = k.starts_with("MEETDESK_")
                    || k.starts_with("TAURI_")
                    || k.starts_with("XDG_")
                    || k.starts_with("LC_")
                    || k == "DBUS_SESSION_BUS_ADDRESS"
                    || k == "WAYLAND_DISPLAY";
                if !drop {
                    cmd.env(k, v);
                }
            }
            cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            die_with_parent(&mut cmd);
            let child = cmd
                .spawn()
                .expect("start WebKitWebDriver (Debian package webkit2gtk-driver; run scripts/install-deps.sh --test)");
            let mut proc_ = Proc {
                name: "WebKitWebDriver",
                child,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut up = false;
            while Instant::now() < deadline && proc_.running() {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    up = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            if up {
                self.port = port;
                self.driver = Some(proc_);
                return;
            }
            proc_.terminate(Duration::from_secs(2));
            eprintln!("e2e: WebKitWebDriver did not listen on {port} (attempt {attempt})");
        }
        panic!("WebKitWebDriver would not start");
    }

    /// A new WebDriver session, which launches the app; waits for its first screen.
    async fn open_session(&mut self) {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "webkitgtk:browserOptions".into(),
            json!({ "binary": self.binary.display().to_string(), "args": [] }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let client =
            match tokio::time::timeout(Duration::from_secs(30), builder.connect(&url)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => panic!("WebDriver session: {e}\n{}", self.log_tail()),
                Err(_) => panic!(
                    "WebDriver session not created in 30 s (no display? app crashed?)\n{}",
                    self.log_tail()
                ),
            };
        self.session_id = client.session_id().await.ok().flatten();
        self.client = Some(client);
        self.wait(
            "the first screen (first run or the search bar)",
            "return !!window.__meetdesk && (!document.getElementById('first-run').hidden || !document.getElementById('workspace').hidden)",
            Duration::from_secs(20),
        )
        .await;
    }

    /// Closes the session (the app quits) and waits until the app's processes are gone: a new
    /// instance started earlier would find the old one still on the session bus (single-instance
    /// plugin) and hand over to it. SIGTERM after 5 s, SIGKILL after 10 s.
    async fn close_session(&mut self) {
        let t0 = Instant::now();
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        self.session_id = None;
        let Some(driver) = self.driver.as_ref() else {
            return;
        };
        let driver_pid = driver.pid();
        let mut termed = false;
        let mut killed = false;
        loop {
            // Zombies too: the driver reaps its child only once all of the app's threads are gone.
            let left = descendants_with(driver_pid, true);
            if left.is_empty() {
                break;
            }
            let waited = t0.elapsed();
            if waited > Duration::from_secs(15) {
                eprintln!("e2e: giving up waiting for {left:?}");
                break;
            } else if waited > Duration::from_secs(10) && !killed {
                eprintln!("e2e: app processes ignored SIGTERM; killing {left:?}");
                for (pid, _) in &left {
                    signal(*pid, libc::SIGKILL);
                }
                killed = true;
            } else if waited > Duration::from_secs(5) && !termed {
                eprintln!("e2e: app processes outlived their session by 5 s; SIGTERM to {left:?}");
                for (pid, _) in &left {
                    signal(*pid, libc::SIGTERM);
                }
                termed = true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        if t0.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "e2e: {}: the app took {:.1} s to quit",
                self.name,
                t0.elapsed().as_secs_f64()
            );
        }
    }

    /// Quits the app (closing the session) and starts it again on the same data folder, keychain
    /// and environment: what a user sees after a restart.
    pub async fn restart(&mut self) {
        self.close_session().await;
        self.wait_single_instance_released().await;
        self.open_session().await;
    }

    /// With a session bus (the keychain tests), the single-instance plugin owns
    /// `com.meetdesk.desktop.SingleInstance` on it; a new instance that still finds that name hands
    /// over to the old one (and fails, as the old one is quitting). Waits for the bus to drop it.
    async fn wait_single_instance_released(&self) {
        let Some((_, address)) = self
            .env
            .iter()
            .find(|(k, _)| k == "DBUS_SESSION_BUS_ADDRESS")
        else {
            return;
        };
        let t0 = Instant::now();
        loop {
            let owned = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:com.meetdesk.desktop.SingleInstance",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", address)
                .stderr(Stdio::null())
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
                .unwrap_or(false);
            if !owned {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "the old instance kept its D-Bus name for 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if t0.elapsed() > Duration::from_millis(200) {
            eprintln!(
                "e2e: {}: the old instance held its D-Bus name {:.1} s after quitting",
                self.name,
                t0.elapsed().as_secs_f64()
            );
        }
    }

    /// Ends the session and every process, and reports the test's time.
    pub async fn finish(mut self) {
        self.close_session().await;
        self.stop_processes();
        eprintln!(
            "e2e: {} took {:.1} s",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }

    fn stop_processes(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            let left = descendants(driver.pid());
            driver.terminate(Duration::from_secs(5));
            for (pid, comm) in left {
                if still_alive(pid, &comm) {
                    signal(pid, libc::SIGTERM);
                }
            }
        }
        if let Some((mut bus, mut keyring)) = self.keychain.take() {
            keyring.terminate(Duration::from_secs(3));
            bus.terminate(Duration::from_secs(3));
        }
        if let Some(mut xvfb) = self.xvfb.take() {
            xvfb.terminate(Duration::from_secs(3));
        }
    }

    /// Deletes the session without async (from Drop, when a test panicked): one raw HTTP request.
    fn delete_session_blocking(&mut self) {
        use std::io::Write;
        let Some(id) = self.session_id.take() else {
            return;
        };
        self.client = None;
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = write!(
                s,
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.port
            );
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    }

    /// The app's processes (the `meetdesk` process and the WebKit processes it started), as
    /// (pid, command name): every live descendant of WebKitWebDriver.
    pub fn processes(&self) -> Vec<(i32, String)> {
        self.driver
            .as_ref()
            .map(|d| descendants(d.pid()))
            .unwrap_or_default()
    }

    // ---- paths ------------------------------------------------------------------------------

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A variable of the app's environment as launched (e.g. the private session bus's address).
    pub fn env_var(&self, key: &str) -> Option<String> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A folder for files the test makes (exports, screenshots).
    pub fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn settings_file(&self) -> PathBuf {
        self.data_dir().join("settings.json")
    }

    /// What the recording `xdg-open` received, one call per line.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("opened.txt"))
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    pub fn app_log(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("logs/meetdesk.log")).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let mut out = String::new();
        // The app logs to stderr too (with WebKit's own messages): no need for meetdesk.log here.
        for f in ["app.stderr.log", "webdriver.log", "xvfb.err.log"] {
            let text = std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(25)..].join("\n");
            if !tail.is_empty() {
                out.push_str(&format!("--- {f} (last lines) ---\n{tail}\n"));
            }
        }
        out
    }

    // ---- WebDriver helpers --------------------------------------------------------------------

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("a WebDriver session")
    }

    /// Runs `script` (a function body: use `return`) in the page.
    pub async fn js(&self, script: &str) -> Value {
        self.js_with(script, vec![]).await
    }

    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        match tokio::time::timeout(SHORT, self.client().execute(script, args)).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => panic!("script failed: {e}\nscript: {script}"),
            Err(_) => panic!("script did not answer in {SHORT:?}: {script}"),
        }
    }

    /// Polls `script` until it returns something truthy, and returns that. On timeout, saves a
    /// screenshot next to the test binary's target dir and panics with what the page showed.
    pub async fn wait(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            match tokio::time::timeout(SHORT, self.client().execute(script, vec![])).await {
                Ok(Ok(v)) if truthy(&v) => return v,
                Ok(Ok(v)) => last = v,
                Ok(Err(e)) => last = Value::String(format!("script error: {e}")),
                Err(_) => last = Value::String("script timed out".into()),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.fail(&format!(
            "timed out after {timeout:?} waiting for {what}\nlast value: {last}"
        ))
        .await
    }

    async fn save_failure_screenshot(&self) -> String {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-failures");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}.png", self.name));
        match tokio::time::timeout(SHORT, self.client().screenshot()).await {
            Ok(Ok(png)) if std::fs::write(&path, &png).is_ok() => path.display().to_string(),
            _ => "(none)".into(),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.wait(&format!("{css} to be shown"), &format!("var e = document.querySelector({css:?}); return !!e && e.getClientRects().length > 0"), SHORT)
            .await;
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    /// A real click (WebDriver element click: scrolls into view, then pointer events).
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn double_click(&self, css: &str) {
        let el = self.find(css).await;
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: el,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client()
            .perform_actions(mouse)
            .await
            .unwrap_or_else(|e| panic!("double-click {css}: {e}"));
        let _ = self.client().release_actions().await;
    }

    /// Clears an input and types `text` into it, as a user would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Presses keys on whatever has focus (WebDriver key actions: no element is targeted, as
    /// with a real keyboard). Each item is pressed and released in turn; `chord` holds the first
    /// key while pressing the rest.
    pub async fn press(&self, keys: &[&str]) {
        let mut actions = KeyActions::new("keyboard".into());
        for k in keys {
            for c in k.chars() {
                actions = actions
                    .then(KeyAction::Down { value: c })
                    .then(KeyAction::Up { value: c });
            }
        }
        self.client()
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("press {keys:?}: {e}"));
    }

    pub async fn chord(&self, modifier: &str, key: &str) {
        let m = modifier.chars().next().unwrap();
        let mut actions = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: m });
        for c in key.chars() {
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        actions = actions.then(KeyAction::Up { value: m });
        self.client()
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("chord {key:?}: {e}"));
        let _ = self.client().release_actions().await;
    }

    /// Describes the focused element: `id`, else its classes (and a row's conference id).
    pub async fn focused(&self) -> String {
        self.js(
            "var e = document.activeElement; if (!e) return ''; \
             if (e.id) return '#' + e.id; \
             var s = e.tagName.toLowerCase() + '.' + Array.from(e.classList).join('.'); \
             if (e.dataset && e.dataset.conferenceId) s += '[' + e.dataset.conferenceId + ']'; return s;",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub async fn text(&self, css: &str) -> String {
        self.js_with(
            "var e = document.querySelector(arguments[0]); return e ? e.textContent : null",
            vec![json!(css)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits until `css`'s text satisfies `pred`, returning the text.
    pub async fn wait_text(
        &self,
        css: &str,
        what: &str,
        pred: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let t = self.text(css).await;
            if pred(&t) {
                return t;
            }
            if Instant::now() > deadline {
                self.fail(&format!("{css} {what} within {timeout:?}; it says {t:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Panics with a screenshot, the page's text and the logs.
    pub async fn fail(&self, msg: &str) -> ! {
        let shot = self.save_failure_screenshot().await;
        let page = self
            .client()
            .execute(
                "var d = document.querySelector('dialog[open]'); \
                 return (d ? '[open dialog] ' + d.innerText + '\\n[page] ' : '') + document.body.innerText.slice(0, 2500)",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        panic!(
            "{msg}\nscreenshot: {shot}\npage text:\n{}\n{}",
            page.as_str().unwrap_or(""),
            self.log_tail()
        );
    }

    /// The count label, e.g. "20 of 45 meetings", once the app is not busy.
    pub async fn idle_count(&self, timeout: Duration) -> String {
        self.wait(
            "the app to be idle with a count",
            "var s = window.__meetdesk.state; var c = document.getElementById('count-label').textContent; \
             return (!s.busy && c) ? c : null",
            timeout,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Types a room code into the search box and presses Enter.
    pub async fn search(&self, code: &str) {
        self.type_into("#room-input", code).await;
        self.press(&[&fantoccini::key::Key::Enter]).await;
    }

    /// Waits for the next painted frame, then takes a screenshot (WebDriver PNG of the view).
    pub async fn screenshot(&self, path: &Path) {
        // Park the pointer on the empty middle of the header, so no row shows its hover colour
        // (a row drawn under where the last click was keeps :hover until the pointer moves).
        let park = MouseActions::new("mouse".into())
            .then(PointerAction::MoveTo {
                duration: None,
                x: 560.0,
                y: 24.0,
            })
            .then(PointerAction::MoveBy {
                duration: None,
                x: 1.0,
                y: 1.0,
            });
        let _ = self.client().perform_actions(park).await;
        self.client()
            .execute_async(
                "var done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(function () { requestAnimationFrame(function () { setTimeout(done, 50); }); });",
                vec![],
            )
            .await
            .expect("wait for a frame");
        let png = self.client().screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "WebDriver screenshot is a PNG");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

/// axe-core's rule tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA: what [`App::audit`] runs.
pub const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Rules of those tags that cannot judge a desktop web view, each with its reason (rule id,
/// why). None so far: every rule of the tags applies to this window.
pub const AXE_RULES_OFF: &[(&str, &str)] = &[];

/// Rules whose "needs review" fails the audit like a violation. axe-core answers "cannot tell"
/// for aria-required-children where a grid or list has no rows yet, which markup can always
/// make plain. Not label-content-name-mismatch: it cannot tell for a "×" glyph (a symbol, which
/// WCAG 2.5.3 leaves out: the close buttons are named "Close settings", "Dismiss"); not
/// color-contrast: it cannot tell under an open popup, which is right.
pub const AXE_REVIEW_FAILS: &[&str] = &["aria-required-children"];

/// How many offending elements a violation lists (the count says how many more).
const AXE_NODES_SHOWN: usize = 6;

/// axe-core's engine, read once from node_modules (package.json pins it; `npm ci` installs it).
fn axe_source() -> &'static str {
    static SRC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SRC.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed ({}: {e}): run `npm ci` (scripts/install-deps.sh --test does)",
                path.display()
            )
        })
    })
}

/// What one axe.run found.
#[derive(Debug, Clone, serde::Deserialize)]
struct AxeResult {
    #[serde(default)]
    violations: Vec<AxeViolation>,
    /// Rules axe-core could not decide on some element ("needs review").
    #[serde(default)]
    incomplete: Vec<AxeViolation>,
    #[serde(default)]
    passed: usize,
}

/// One axe-core violation as the audit reports it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AxeViolation {
    pub id: String,
    #[serde(default)]
    pub impact: Option<String>,
    #[serde(default)]
    pub help: String,
    #[serde(default, rename = "helpUrl")]
    pub help_url: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub nodes: Vec<AxeNode>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct AxeNode {
    /// The element's CSS selector (axe-core's `target`).
    #[serde(default)]
    pub target: Vec<Value>,
    #[serde(default)]
    pub html: String,
    #[serde(default, rename = "failureSummary")]
    pub failure_summary: String,
}

/// A short string: at most `max` characters, "…" when cut, on one line.
fn short(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{cut}…")
}

/// The violations as a person fixing them wants to read them: rule, impact, WCAG criterion,
/// what it asks, and each offending element's selector and HTML.
pub fn describe_violations(state: &str, violations: &[AxeViolation]) -> String {
    let mut out = format!(
        "axe-core found {} WCAG A/AA rule(s) broken in state \"{state}\":\n",
        violations.len()
    );
    for v in violations {
        // "wcag253" → "WCAG 2.5.3", "wcag1411" → "WCAG 1.4.11" (the level tags end in "a").
        let criteria: Vec<String> = v
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("wcag"))
            .filter(|d| d.len() >= 3 && d.chars().all(|c| c.is_ascii_digit()))
            .map(|d| format!("WCAG {}.{}.{}", &d[..1], &d[1..2], &d[2..]))
            .collect();
        out.push_str(&format!(
            "- {} ({}{}): {}\n  {}\n",
            v.id,
            v.impact.as_deref().unwrap_or("impact unknown"),
            if criteria.is_empty() {
                String::new()
            } else {
                format!(", {}", criteria.join(" "))
            },
            v.help,
            v.help_url
        ));
        for n in v.nodes.iter().take(AXE_NODES_SHOWN) {
            let target: Vec<String> = n
                .target
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| t.to_string())
                })
                .collect();
            out.push_str(&format!(
                "  · {}  {}\n    {}\n",
                target.join(" "),
                short(&n.html, 160),
                short(&n.failure_summary, 240)
            ));
        }
        if v.nodes.len() > AXE_NODES_SHOWN {
            out.push_str(&format!(
                "  · … and {} more\n",
                v.nodes.len() - AXE_NODES_SHOWN
            ));
        }
    }
    out
}

impl App {
    /// Runs axe-core's WCAG 2.0–2.2 A/AA rules ([`AXE_TAGS`]) on the page as it is now, and
    /// fails the test naming every violation (rule, impact, help, elements). `state` names
    /// what the window shows, for the message: "demo timeline, dark, Chinese".
    pub async fn audit(&self, state: &str) {
        let started = Instant::now();
        let r = self.axe_run(state).await;
        let broken: Vec<AxeViolation> = r
            .violations
            .iter()
            .cloned()
            .chain(
                r.incomplete
                    .iter()
                    .filter(|v| AXE_REVIEW_FAILS.contains(&v.id.as_str()))
                    .map(|v| AxeViolation {
                        help: format!("{} (axe-core could not tell: make it unambiguous)", v.help),
                        ..v.clone()
                    }),
            )
            .collect();
        if !broken.is_empty() {
            self.fail(&describe_violations(state, &broken)).await;
        }
        // What axe-core could not decide (e.g. contrast over a gradient) is "needs review", not
        // a failure: listed, so a reader of --nocapture sees what the audit did not judge.
        // MEETDESK_AXE_REVIEW=1 prints those elements too.
        let review: Vec<&str> = r.incomplete.iter().map(|v| v.id.as_str()).collect();
        eprintln!(
            "e2e: {}: axe-core: no violations in \"{state}\" ({} rules passed, {:.0} ms; needs review: {})",
            self.name,
            r.passed,
            started.elapsed().as_secs_f64() * 1000.0,
            if review.is_empty() { "none".to_string() } else { review.join(", ") }
        );
        if !r.incomplete.is_empty() && std::env::var_os("MEETDESK_AXE_REVIEW").is_some() {
            eprintln!("{}", describe_violations(state, &r.incomplete));
        }
    }

    /// axe-core's violations on the page as it is now (see [`App::audit`]).
    pub async fn axe_violations(&self, state: &str) -> Vec<AxeViolation> {
        self.axe_run(state).await.violations
    }

    async fn axe_run(&self, state: &str) -> AxeResult {
        // Scripts run over WebDriver are not subject to the page's CSP (script-src 'self'):
        // the engine goes in as the body of one execute-script call, once per page load.
        let loaded = self
            .js("return typeof window.axe === 'object' && typeof window.axe.run === 'function'")
            .await;
        if loaded != Value::Bool(true) {
            let script = format!(
                "{}\n;return typeof window.axe === 'object' ? window.axe.version : null;",
                axe_source()
            );
            let version =
                match tokio::time::timeout(LONG, self.client().execute(&script, vec![])).await {
                    Ok(Ok(v)) => v,
                    Ok(Err(e)) => {
                        self.fail(&format!("axe-core could not be injected: {e}"))
                            .await
                    }
                    Err(_) => self.fail("axe-core injection did not answer").await,
                };
            if version.is_null() {
                self.fail("axe-core was injected but window.axe is not there")
                    .await;
            }
        }
        let rules_off: serde_json::Map<String, Value> = AXE_RULES_OFF
            .iter()
            .map(|(id, _)| (id.to_string(), json!({ "enabled": false })))
            .collect();
        let options = json!({
            "runOnly": { "type": "tag", "values": AXE_TAGS },
            "rules": rules_off,
            "resultTypes": ["violations"],
        });
        let run = "var done = arguments[arguments.length - 1]; \
             function brief(v) { return { id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags, \
               nodes: v.nodes.map(function (n) { return { target: n.target, html: n.html, \
                 failureSummary: n.failureSummary || (n.any || []).concat(n.all || [], n.none || []).map(function (c) { return c.message; }).join(' ') }; }) }; } \
             window.axe.run(document, arguments[0]).then(function (r) { \
               done({ passed: r.passes.length, incomplete: r.incomplete.map(brief), violations: r.violations.map(brief) }); \
             }, function (e) { done({ error: String(e && e.stack || e) }); });";
        let result =
            match tokio::time::timeout(LONG, self.client().execute_async(run, vec![options])).await
            {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => {
                    self.fail(&format!("axe.run failed in \"{state}\": {e}"))
                        .await
                }
                Err(_) => {
                    self.fail(&format!("axe.run did not answer in \"{state}\""))
                        .await
                }
            };
        if let Some(err) = result.get("error") {
            self.fail(&format!("axe.run threw in \"{state}\": {err}"))
                .await;
        }
        match serde_json::from_value(result.clone()) {
            Ok(r) => r,
            Err(e) => {
                self.fail(&format!(
                    "axe.run's answer in \"{state}\" did not read: {e}\n{result}"
                ))
                .await
            }
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "e2e: {} failed; its folder was {}\n{}",
                self.name,
                self.dir.path().display(),
                self.log_tail()
            );
        }
        self.delete_session_blocking();
        self.stop_processes();
    }
}

/// Runs a test body alone (one app at a time: 2 cores) and with a time limit counted from when
/// its turn comes, so nothing can hang the suite. When the limit strikes, the body is dropped,
/// and with it its [`App`], which ends every process it started.
pub async fn within<F: std::future::Future<Output = ()>>(limit: Duration, body: F) {
    let _turn = SERIAL.lock().await;
    if tokio::time::timeout(limit, body).await.is_err() {
        panic!("the test did not finish within {limit:?}");
    }
}

/// The integers in a label such as "20 of 5,000 meetings" → [20, 5000].
pub fn numbers(label: &str) -> Vec<u64> {
    label
        .replace([',', '\u{a0}', '\u{202f}'], "")
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}
