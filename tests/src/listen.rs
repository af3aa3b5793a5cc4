//! What the office's programs receive from a server: a webhook receiver on loopback that keeps
//! every post, and a reader of the event stream.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The posts a receiver got: headers, body, and the status it answered.
pub type Posts = Arc<Mutex<Vec<(String, String, u16)>>>;

/// A webhook receiver on loopback that answers 500 to the first `failures` posts and 200 after;
/// it keeps every post's headers and body. Returns its URL.
pub fn receiver(failures: usize) -> (String, Posts) {
    receiver_after(failures, Duration::ZERO)
}

/// [`receiver`], taking `pause` before it reads each post.
pub fn receiver_after(failures: usize, pause: Duration) -> (String, Posts) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let posts = Posts::default();
    let kept = posts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::sleep(pause);
            let Ok(read_half) = stream.try_clone() else {
                continue;
            };
            let mut reader = BufReader::new(read_half);
            let mut headers = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut posts = kept.lock().unwrap_or_else(|p| p.into_inner());
            let status = if posts.len() < failures { 500 } else { 200 };
            posts.push((headers, String::from_utf8_lossy(&body).into_owned(), status));
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (url, posts)
}

/// The value of header `name` (lower case) in `headers` as a receiver kept them.
pub fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A request for a server's event stream.
#[derive(Clone, Debug)]
pub struct EventStream<'a> {
    /// The server's base URL.
    pub url: &'a str,
    /// An office user's token.
    pub token: &'a str,
    /// The stream's path and query, `/v1/events?…`.
    pub path: &'a str,
    /// Where to resume, as a browser resumes.
    pub last_event_id: Option<u64>,
    /// How long the whole request may take before the client hangs up.
    pub timeout: Duration,
}

impl EventStream<'_> {
    /// Reads events, handing each one's id and kind to `on_event`, until it returns `false`, the
    /// stream ends or the timeout passes. An error says why the stream could not be read at
    /// all; a stream cut short is no error.
    pub fn read(&self, mut on_event: impl FnMut(u64, &str) -> bool) -> Result<(), String> {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut request = agent
            .get(format!("{}{}", self.url, self.path))
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(id) = self.last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let mut response = request.call().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(format!("the stream answered {status}"));
        }
        let reader = BufReader::new(response.body_mut().as_reader());
        let (mut id, mut kind) = (None, None);
        for line in reader.lines() {
            let Ok(line) = line else {
                return Ok(());
            };
            if let Some(v) = line.strip_prefix("id: ") {
                id = v.parse().ok();
            } else if let Some(v) = line.strip_prefix("event: ") {
                kind = Some(v.to_owned());
            } else if line.is_empty()
                && let (Some(i), Some(k)) = (id.take(), kind.take())
                && !on_event(i, &k)
            {
                return Ok(());
            }
        }
        Ok(())
    }
}
