//! What the end-to-end tests share: running the binary, a demo server on a free port, files of
//! the repository.

pub(crate) use std::io::{BufRead, BufReader, Read, Write};
pub(crate) use std::net::{TcpListener, TcpStream};
pub(crate) use std::path::{Path, PathBuf};
pub(crate) use std::process::{Child, Command, Output, Stdio};
pub(crate) use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_dixian");

pub(crate) fn dixian(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DIXIAN_DATA_DIR")
        .env_remove("DIXIAN_DATABASE_URL")
        .env_remove("DIXIAN_LISTEN")
        .env_remove("DIXIAN_CONFIG")
        .env("DIXIAN_LOG", "warn")
        .output()
        .unwrap()
}

pub(crate) fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

pub(crate) fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub(crate) fn deadline(data: &Path, from: &str, days: &str) -> (String, String) {
    text(&dixian(&[
        "calendar",
        "deadline",
        "--data-dir",
        s(data),
        "--from",
        from,
        "--days",
        days,
    ]))
}

/// A demo county of `households` in a fresh directory, served on a free port.
pub(crate) fn demo_server(households: &str, seed: &str) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let server = Server::start(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        households,
        "--seed",
        seed,
        "--serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    (dir, server)
}

/// A running server, stopped with SIGTERM when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
    pub(crate) banner: Vec<String>,
}

impl Server {
    pub(crate) fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(args)
            .env("DIXIAN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        let addr = loop {
            assert!(
                Instant::now() < deadline,
                "server did not start: {banner:?}"
            );
            let Some(Ok(line)) = lines.next() else {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("server exited: {banner:?} {err}");
            };
            banner.push(line.clone());
            if let Some(rest) = line
                .strip_prefix("底线已启动：http://")
                .or_else(|| line.strip_prefix("底线已启动：https://"))
            {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            banner,
        }
    }

    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let status = raw[9..12].parse().unwrap();
        let body = raw.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    }

    /// Sends SIGTERM and returns the exit status and remaining stderr.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `curl` against a local server, trusting `ca` for HTTPS; gives the status line's code,
/// the headers and the body.
pub(crate) fn curl(args: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl is installed by scripts/test.sh");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_string(), body.to_string())
}

/// The chain hash as the store computes it, so this test can play an attacker who rewrites a
/// record and every hash after it.
pub(crate) fn chain_hash(prev: &[u8], fields: [&str; 8]) -> Vec<u8> {
    let mut data = prev.to_vec();
    for f in fields {
        data.extend_from_slice(&(f.len() as u32).to_be_bytes());
        data.extend_from_slice(f.as_bytes());
    }
    dixian_gm::sm3(&data).to_vec()
}
