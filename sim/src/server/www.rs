//! `www` (HTTP) and `www-ssl` (HTTPS with the generated certificate): REST under `/rest` with HTTP Basic
//! auth through the model, a minimal WebFig page elsewhere.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpStream;
use tracing::debug;

use crate::router::Via;
use crate::server::Shared;

/// Largest request body read (bigger ones get 413).
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;
/// Time allowed to send the request headers (slow clients are dropped).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed to send a request body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for the TLS handshake.
const TLS_TIMEOUT: Duration = Duration::from_secs(10);

/// The WebFig front page. Its start is RouterOS's as port scanners record it (nmap's
/// `nmap-service-probes`, "MikroTik router config httpd": an XHTML `<!DOCTYPE html PUBLIC` and the
/// title `RouterOS router configuration page`; recog, FACTS §8); the DOCTYPE's public identifier
/// and everything after the title are the simulator's (WebFig itself is not simulated).
pub(crate) const WEBFIG_PAGE: &str = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \
\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n\
<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n\
<title>RouterOS router configuration page</title>\n</head>\n\
<body><noscript>WebFig is not simulated.</noscript></body>\n</html>\n";

#[derive(Clone)]
struct Conn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    tls: bool,
}

pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, tls: bool) {
    let app = axum::Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Conn {
            shared: Arc::clone(&shared),
            peer,
            tls,
        });
    let service = TowerToHyperService::new(app);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // A request's headers (its login) come within the login deadline too.
        .header_read_timeout(HEADER_TIMEOUT.min(shared.router.login_deadline()))
        // `Content-Type:`, as RouterOS writes header names (nmap's fingerprint matches that case).
        .title_case_headers(true)
        .max_buf_size(64 * 1024);
    let result = if tls {
        let handshake = TLS_TIMEOUT.min(shared.router.login_deadline());
        let accepted = tokio::time::timeout(handshake, shared.tls.accept(stream)).await;
        match accepted {
            Ok(Ok(stream)) => {
                builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await
            }
            Ok(Err(e)) => {
                debug!(%peer, error = %e, "tls handshake failed");
                return;
            }
            Err(_) => return,
        }
    } else {
        builder
            .serve_connection(TokioIo::new(stream), service)
            .await
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "http connection ended");
    }
}

/// The JSON error body RouterOS sends (`{"error":401,"message":"Unauthorized"}`).
fn error(status: StatusCode) -> Response {
    let body = format!(
        "{{\"error\":{},\"message\":\"{}\"}}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `Authorization: Basic ...` → (user, password).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// REST exists on v7 only: over HTTPS since 7.1beta4, over plain HTTP since 7.9 (FACTS §6).
fn rest_available(version: &routeros::version::Version, tls: bool) -> bool {
    if version.is_v6() {
        return false;
    }
    let since = if tls { "7.1beta4" } else { "7.9" };
    match routeros::version::Version::parse(since) {
        Ok(since) => *version >= since,
        Err(_) => true,
    }
}

async fn handle(
    State(conn): State<Conn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = uri.path();
    let router = &conn.shared.router;
    let is_rest = path == "/rest" || path.starts_with("/rest/");
    if !is_rest || !rest_available(&router.version(), conn.tls) {
        return webfig(&method, path);
    }
    if method == Method::HEAD {
        return StatusCode::NOT_IMPLEMENTED.into_response();
    }
    let Some((user, password)) = basic_credentials(&headers) else {
        return unauthorized();
    };
    let via = if conn.tls {
        Via::RestApiSsl
    } else {
        Via::RestApi
    };
    let Ok(session) = router.login(&user, &password, via, Some(conn.peer.ip())) else {
        return unauthorized();
    };
    let body =
        match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, BODY_LIMIT)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return error(StatusCode::PAYLOAD_TOO_LARGE),
            Err(_) => return error(StatusCode::REQUEST_TIMEOUT),
        };
    let rest_path = path.strip_prefix("/rest").unwrap_or("");
    let reply = router.rest(
        &session,
        method.as_str(),
        rest_path,
        uri.query().unwrap_or(""),
        &body,
    );
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
        .into_response()
}

fn unauthorized() -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED);
    // UNVERIFIED realm text; a 401 must name a scheme.
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"RouterOS\""),
    );
    response
}

fn webfig(method: &Method, path: &str) -> Response {
    if path.starts_with("/rest") {
        // No REST on this version: the web server knows no such page. Not a REST error body,
        // which would tell a client that REST exists (exact v6 bytes UNVERIFIED, FIDELITY.md).
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n",
        )
            .into_response();
    }
    match *method {
        Method::GET | Method::HEAD => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            WEBFIG_PAGE,
        )
            .into_response(),
        _ => error(StatusCode::METHOD_NOT_ALLOWED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_basic_credentials() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic YWRtaW46"),
        );
        assert_eq!(basic_credentials(&h), Some(("admin".into(), "".into())));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&h), None);
    }
}
