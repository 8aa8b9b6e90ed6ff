//! The app behind the proxy: a std `TcpListener` thread that answers every request
//! with the request line and headers it received, as JSON, and counts the requests
//! that reached it.

use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Upstream {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Upstream {
    pub fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the upstream");
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        // Lives as long as the test binary: a blocked `accept` costs nothing.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counter = counter.clone();
                std::thread::spawn(move || answer(stream, &counter));
            }
        });
        Upstream { port, hits }
    }

    /// How many requests reached the app.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Reads one request head and answers `{"method", "path", "headers": {name: value}}`
/// (names lower-cased; a header sent twice has its values joined with `", "`).
fn answer(stream: TcpStream, hits: &AtomicUsize) {
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Map::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = h.trim_end().split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().to_owned();
            let joined = match headers.get(&name) {
                Some(Value::String(old)) => format!("{old}, {value}"),
                _ => value,
            };
            headers.insert(name, Value::String(joined));
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let body = json!({"method": method, "path": path, "headers": headers}).to_string();
    let mut out = &stream;
    let _ = write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
