//! The adapters' one HTTP client, reqwest, for the calls made from blocking
//! code (PayFiP's SOAP, the SMS gateway). A call runs on a thread of its own
//! with a runtime of its own, so that it can be made from a request's
//! blocking task, a job's thread or a test alike, and nothing of it outlives
//! the call: no connection is kept between calls (these services are called
//! a few times a minute, and a pooled connection would belong to a runtime
//! that is gone).

use std::time::Duration;

/// What a server answered, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub struct Client {
    client: reqwest::Client,
}

impl Client {
    /// `connect`: the longest wait for a connection; `total`: for the whole
    /// exchange.
    pub fn new(connect: Duration, total: Duration) -> Client {
        let client = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Client { client }
    }

    /// POSTs `body` with these headers; an error says why no answer came
    /// (unreachable, timed out, unreadable).
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answer, String> {
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        std::thread::scope(|s| {
            s.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(async {
                    let response = request.send().await.map_err(|e| describe(&e))?;
                    let status = response.status().as_u16();
                    let body = response.text().await.map_err(|e| describe(&e))?;
                    Ok(Answer { status, body })
                })
            })
            .join()
            .unwrap_or_else(|_| Err("appel HTTP interrompu".into()))
        })
    }
}

/// The error and its causes, as one line (reqwest's own says only « error
/// sending request »).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(" : ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
