//! Load client for `bench/load.sh`: N signed-in users, each on its own keep-alive connection,
//! request pages one after another for a fixed time; prints requests per second, latency
//! percentiles and every answer that was not a success.
//!
//! `cargo run --release --example load -- BASE USERS SECONDS ACCOUNTS PATHS`
//! ACCOUNTS is `name:password[:/x|/y],…` (users are spread over them; the optional paths
//! replace PATHS for that account), PATHS is `/a,/b,…` (each user walks them in turn, starting
//! at a different one). With ACCOUNTS `-` nobody signs in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Conn {
    host: String,
    stream: BufReader<TcpStream>,
}

struct Answer {
    status: u16,
    cookies: Vec<String>,
    body: Vec<u8>,
}

impl Conn {
    async fn open(host: &str) -> Conn {
        let stream = TcpStream::connect(host).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Conn {
            host: host.to_string(),
            stream: BufReader::new(stream),
        }
    }

    async fn send(&mut self, method: &str, path: &str, cookie: &str, form: Option<&str>) -> Answer {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nOrigin: http://{}\r\nSec-Fetch-Site: same-origin\r\n",
            self.host, self.host
        );
        if !cookie.is_empty() {
            req.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if let Some(body) = form {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        } else {
            req.push_str("\r\n");
        }
        self.stream
            .get_mut()
            .write_all(req.as_bytes())
            .await
            .unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).await.unwrap();
        let status = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (mut length, mut chunked, mut cookies) = (0usize, false, Vec::new());
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (name, value) = l.split_once(':').unwrap_or((l, ""));
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(0),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "set-cookie" => cookies.push(value.split(';').next().unwrap_or("").to_string()),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await.unwrap();
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                self.stream.read_exact(&mut chunk).await.unwrap();
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            self.stream.read_exact(&mut body).await.unwrap();
        }
        Answer {
            status,
            cookies,
            body,
        }
    }
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker)
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn sign_in(conn: &mut Conn, account: &str) -> String {
    let mut parts = account.split(':');
    let (Some(name), Some(password)) = (parts.next(), parts.next()) else {
        return String::new();
    };
    let page = conn.send("GET", "/login", "", None).await;
    let csrf = hidden(&String::from_utf8_lossy(&page.body), "csrf");
    let login_cookie = page.cookies.join("; ");
    let form = format!(
        "csrf={}&next=%2F&username={}&password={}",
        encode(&csrf),
        encode(name),
        encode(password)
    );
    let reply = conn
        .send("POST", "/login", &login_cookie, Some(&form))
        .await;
    let session = reply
        .cookies
        .iter()
        .find(|c| c.starts_with("dixian_session="))
        .cloned();
    session.unwrap_or_else(|| panic!("{name} could not sign in: {}", reply.status))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, users, seconds, accounts, paths] = &args[..] else {
        eprintln!("用法：load BASE USERS SECONDS ACCOUNTS PATHS");
        std::process::exit(2);
    };
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let users: usize = users.parse().unwrap();
    let duration = Duration::from_secs(seconds.parse().unwrap());
    let accounts: Vec<String> = accounts.split(',').map(str::to_string).collect();
    let paths: Vec<String> = paths.split(',').map(str::to_string).collect();

    // Everyone signs in first (Argon2id is meant to be slow), then the clock starts together.
    let mut ready = Vec::new();
    for u in 0..users {
        let account = accounts[u % accounts.len()].clone();
        let host = host.clone();
        ready.push(tokio::spawn(async move {
            let mut conn = Conn::open(&host).await;
            let cookie = if account == "-" {
                String::new()
            } else {
                sign_in(&mut conn, &account).await
            };
            (conn, cookie)
        }));
    }
    let mut signed = Vec::new();
    for r in ready {
        signed.push(r.await.unwrap());
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (u, (mut conn, cookie)) in signed.into_iter().enumerate() {
        let own = accounts[u % accounts.len()]
            .split(':')
            .nth(2)
            .map(|p| p.split('|').map(str::to_string).collect::<Vec<_>>());
        let paths = own.unwrap_or_else(|| paths.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            let mut i = u;
            while start.elapsed() < duration {
                let path = &paths[i % paths.len()];
                i += 1;
                let t = Instant::now();
                let a = conn.send("GET", path, &cookie, None).await;
                latencies.push(t.elapsed());
                if a.status != 200 {
                    failures.push(format!("{} {path}", a.status));
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for t in tasks {
        let (l, f) = t.await.unwrap();
        latencies.extend(l);
        failures.extend(f);
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "users={users} requests={} rps={:.0} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} errors={}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        failures.len()
    );
    for f in failures.iter().take(5) {
        println!("  failed: {f}");
    }
}
