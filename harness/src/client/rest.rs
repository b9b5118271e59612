//! REST client (reqwest) for RouterOS's `/rest` API on the www or www-ssl service.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::ClientError;

/// A REST endpoint with HTTP Basic credentials.
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    addr: SocketAddr,
    user: String,
    password: String,
}

/// A REST answer that was not 2xx: the status and RouterOS's error body.
#[derive(Debug, Clone, PartialEq)]
pub struct RestError {
    pub status: u16,
    pub body: String,
}

impl RestClient {
    /// A client for `http(s)://addr/rest`. Certificates are not verified: a lab router's is self-signed.
    /// Built on a vantage's thread, it connects where the vantage's translator sends `addr` (a
    /// port forward); errors still name `addr`.
    pub fn new(
        addr: SocketAddr,
        tls: bool,
        user: &str,
        password: &str,
        timeout: Duration,
    ) -> Result<RestClient, ClientError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .local_address(crate::vantage::bound_source())
            .timeout(timeout)
            .connect_timeout(timeout)
            .danger_accept_invalid_certs(true)
            .build()
            .map_err(|e| ClientError::Protocol {
                service: "rest",
                addr,
                detail: e.to_string(),
            })?;
        let target = crate::vantage::translate(addr)
            .map_err(|source| ClientError::Connect { addr, source })?;
        let scheme = if tls { "https" } else { "http" };
        Ok(RestClient {
            http,
            base: format!("{scheme}://{target}/rest"),
            addr,
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    /// Sends one request; `Ok(Err(..))` is a RouterOS error answer, `Err` a transport failure.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Result<Value, RestError>, ClientError> {
        let url = format!("{}{}", self.base, path);
        let mut req = self
            .http
            .request(method.clone(), &url)
            .basic_auth(&self.user, Some(&self.password));
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| self.transport(e))?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(ClientError::LoginRefused {
                service: "rest",
                user: self.user.clone(),
                addr: self.addr,
            });
        }
        if !status.is_success() {
            return Ok(Err(RestError {
                status: status.as_u16(),
                body: text,
            }));
        }
        if text.trim().is_empty() {
            return Ok(Ok(Value::Null));
        }
        serde_json::from_str(&text)
            .map(Ok)
            .map_err(|e| ClientError::Protocol {
                service: "rest",
                addr: self.addr,
                detail: format!("{method} {path}: invalid JSON ({e})"),
            })
    }

    /// `GET /rest<path>`, failing on a RouterOS error.
    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.request(Method::GET, path, None)
            .await?
            .map_err(|e| self.command_error("GET", path, e))
    }

    /// `POST /rest<path>` with a JSON body, failing on a RouterOS error.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        self.request(Method::POST, path, Some(body))
            .await?
            .map_err(|e| self.command_error("POST", path, e))
    }

    /// Reads a list menu as rows of (key, value) pairs in the order RouterOS sent them.
    pub async fn rows(&self, path: &str) -> Result<Vec<Vec<(String, String)>>, ClientError> {
        let value = self.get(path).await?;
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        Ok(items.iter().map(object_props).collect())
    }

    fn transport(&self, e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            ClientError::Timeout {
                addr: self.addr,
                ms: 0,
            }
        } else {
            ClientError::Protocol {
                service: "rest",
                addr: self.addr,
                detail: e.to_string(),
            }
        }
    }

    fn command_error(&self, method: &str, path: &str, e: RestError) -> ClientError {
        ClientError::Command {
            addr: self.addr,
            command: format!("{method} /rest{path}"),
            message: format!("HTTP {} {}", e.status, e.body),
        }
    }
}

/// A JSON object's members as (key, text) pairs; non-string values are rendered as JSON.
pub fn object_props(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
        _ => Vec::new(),
    }
}
