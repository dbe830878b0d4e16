//! An SMS gateway on loopback that speaks Brevo's transactional SMS API
//! (`POST /v3/transactionalSMS/sms`, JSON, the key in `api-key`): it checks
//! the key and the fields as the service does, keeps what it accepts, and
//! can be switched down (503) to exercise the retries.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub sender: String,
    pub recipient: String,
    pub content: String,
}

pub struct SmsGateway {
    pub port: u16,
    pub key: String,
    received: Arc<Mutex<Vec<Received>>>,
    down: Arc<AtomicBool>,
}

impl SmsGateway {
    pub fn start() -> SmsGateway {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let key = format!("xkeysib-{}", crate::random_suffix());
        let received = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let (k, r, d) = (key.clone(), received.clone(), down.clone());
        let ids = Arc::new(AtomicU64::new(1_511_882_900_000_000));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (k, r, d, ids) = (k.clone(), r.clone(), d.clone(), ids.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &k, &r, &d, &ids);
                });
            }
        });
        SmsGateway {
            port,
            key,
            received,
            down,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v3/transactionalSMS/sms", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Down: every call answers 503 until it is up again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

fn serve(
    stream: std::net::TcpStream,
    key: &str,
    received: &Mutex<Vec<Received>>,
    down: &AtomicBool,
    ids: &AtomicU64,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut length = 0;
    let mut given_key = String::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "api-key" => given_key = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, answer) = answer(&method, &path, &given_key, key, &body, received, down, ids);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    )?;
    stream.flush()
}

#[allow(clippy::too_many_arguments)]
fn answer(
    method: &str,
    path: &str,
    given_key: &str,
    key: &str,
    body: &[u8],
    received: &Mutex<Vec<Received>>,
    down: &AtomicBool,
    ids: &AtomicU64,
) -> (&'static str, String) {
    let error = |code: &str, message: &str| {
        serde_json::json!({ "code": code, "message": message }).to_string()
    };
    if down.load(Ordering::SeqCst) {
        return (
            "503 Service Unavailable",
            error("service_unavailable", "try later"),
        );
    }
    if method != "POST" || path != "/v3/transactionalSMS/sms" {
        return ("404 Not Found", error("not_found", "no such route"));
    }
    if given_key != key {
        return ("401 Unauthorized", error("unauthorized", "Key not found"));
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ("400 Bad Request", error("bad_request", "invalid JSON"));
    };
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let (sender, recipient, content) = (field("sender"), field("recipient"), field("content"));
    let sender_ok =
        (3..=11).contains(&sender.len()) && sender.chars().all(|c| c.is_ascii_alphanumeric());
    let recipient_ok = recipient.len() >= 10 && recipient.chars().all(|c| c.is_ascii_digit());
    if !sender_ok || !recipient_ok || content.is_empty() {
        return (
            "400 Bad Request",
            error("invalid_parameter", "sender, recipient or content invalid"),
        );
    }
    received.lock().unwrap().push(Received {
        sender,
        recipient,
        content,
    });
    let id = ids.fetch_add(1, Ordering::SeqCst);
    (
        "201 Created",
        serde_json::json!({ "reference": format!("ref{id}"), "messageId": id, "smsCount": 1, "usedCredits": 1.0, "remainingCredits": 99.0 }).to_string(),
    )
}
