//! A webhook receiver for tests: a small HTTP server on loopback that keeps every request it
//! gets and answers each with the next of the statuses it was given (then 200), optionally
//! after holding it (a receiver that hangs, or one cut off mid-delivery).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    /// The body as JSON (`null` if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// How a receiver answers.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// The status of each request in turn; 200 after them.
    pub statuses: Vec<u16>,
    /// How long the first `held` requests wait before their answer.
    pub hold: Duration,
    pub held: usize,
}

#[derive(Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(answers: Answers) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = Arc::clone(&got);
        let answers = Arc::new(Mutex::new(answers));
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let (kept, answers) = (Arc::clone(&kept), Arc::clone(&answers));
                // A thread per connection: a held answer must not hold the next request.
                std::thread::spawn(move || answer(stream, n, &kept, &answers));
            }
        });
        Ok(Self { url, got })
    }

    /// Every request so far, in order of arrival.
    pub fn got(&self) -> Vec<Received> {
        self.got
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn answer(stream: TcpStream, n: usize, got: &Mutex<Vec<Received>>, answers: &Mutex<Answers>) {
    let Some(received) = read(&stream) else {
        return;
    };
    got.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(received);
    let (status, hold) = {
        let answers = answers.lock().unwrap_or_else(PoisonError::into_inner);
        let status = answers.statuses.get(n).copied().unwrap_or(200);
        let hold = (n < answers.held).then_some(answers.hold);
        (status, hold)
    };
    if let Some(hold) = hold {
        std::thread::sleep(hold);
    }
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
}

fn read(stream: &TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received { headers, body })
}
