//! One small HTTPS client for the few requests golive makes outside Stripe's SDK (Cloudflare's
//! subdomain lookup, Verify's probe events): hyper 0.14 + rustls, the stack async-stripe
//! already builds. Each request has a time limit and answers `(status, body, elapsed)`.

use std::time::{Duration, Instant};

pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

/// Sends `request` and reads the whole answer within `limit`; `Err` says what failed, in words.
pub async fn send(request: hyper::Request<hyper::Body>, limit: Duration) -> Result<Answer, String> {
    let connector =
        hyper_rustls::HttpsConnectorBuilder::new().with_native_roots().https_or_http().enable_http1().build();
    let client: hyper::Client<_, hyper::Body> = hyper::Client::builder().build(connector);
    let host = request.uri().host().unwrap_or_default().to_string();
    let started = Instant::now();
    let answer = tokio::time::timeout(limit, async {
        let answer = client.request(request).await.map_err(|e| format!("could not reach {host}: {e}"))?;
        let status = answer.status().as_u16();
        let body = hyper::body::to_bytes(answer.into_body()).await.map_err(|e| e.to_string())?;
        Ok::<_, String>((status, body.to_vec()))
    })
    .await
    .map_err(|_| format!("{host} did not answer within {} s", limit.as_secs()))??;
    Ok(Answer { status: answer.0, body: answer.1, elapsed: started.elapsed() })
}
