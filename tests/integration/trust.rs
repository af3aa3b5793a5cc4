//! A hostile device and a hostile stranger against a running server: each test reproduces one
//! finding of the trust review (issue 17) with raw HTTP or hand-crafted bytes, never through
//! `Ticket::apply`, and checks the clear refusal, that nothing was stored, and that honest
//! users working at the same time were not harmed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use fieldledger_tests::Office;

/// Finding 8: `/v1/sync` read up to 32 MiB of body before it checked the token, so that a few
/// strangers held the server's memory. A stranger's request is now refused from its headers:
/// the answer comes while the body is still being sent.
#[test]
fn a_stranger_is_refused_before_the_sync_body_is_read() {
    let office = Office::start();
    let addr = office.server.url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let started = Instant::now();
    // 32 MiB announced, 1 KiB sent: a server that waits for the body never answers.
    stream
        .write_all(
            b"POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer flt_unknown0000000000000000000000\r\n\
              Content-Type: application/cbor\r\nContent-Length: 33554432\r\n\r\n",
        )
        .expect("headers");
    stream
        .write_all(&[0u8; 1024])
        .expect("a little of the body");
    let mut answer = [0u8; 256];
    let read = stream.read(&mut answer).unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "a stranger's sync is refused at once, not after its body: {answer:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The desk, meanwhile, works as usual.
    let (id, number) = office.desk_ticket(&[&office.zhang]);
    assert!(number.is_some(), "the desk registered ticket {id}");
}
