//! What a run is pointed at: a base URL, or the reference emulator started in-process.

use std::net::SocketAddr;

use crate::emulator::{EmulatorConfig, EmulatorHandle};

#[derive(Debug, Clone)]
pub enum TargetSpec {
    Url(String),
    /// Starts the emulator on an ephemeral loopback port for the length of the run.
    Embedded(EmulatorConfig),
}

/// A target ready for requests; an embedded emulator stops when this is dropped.
pub struct ActiveTarget {
    pub base_url: String,
    pub label: String,
    emulator: Option<EmulatorHandle>,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("target URL {0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    #[error("failed to start the embedded emulator: {0}")]
    Emulator(std::io::Error),
}

impl ActiveTarget {
    pub async fn start(spec: &TargetSpec) -> Result<ActiveTarget, TargetError> {
        match spec {
            TargetSpec::Url(url) => {
                let trimmed = url.trim_end_matches('/');
                if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
                    || trimmed.len() < 10
                {
                    return Err(TargetError::BadUrl(url.clone()));
                }
                Ok(ActiveTarget {
                    base_url: trimmed.to_owned(),
                    label: trimmed.to_owned(),
                    emulator: None,
                })
            }
            TargetSpec::Embedded(config) => {
                let addr: SocketAddr = "127.0.0.1:0".parse().expect("a valid address");
                let handle = crate::emulator::start(config.clone(), addr)
                    .await
                    .map_err(TargetError::Emulator)?;
                let base_url = handle.base_url();
                let mut label =
                    format!("embedded emulator ({base_url}, profile {})", config.profile);
                if !config.faults.is_empty() {
                    let names: Vec<&str> = config.faults.iter().map(|f| f.name()).collect();
                    label.push_str(&format!(", faults: {}", names.join(", ")));
                }
                if config.details_differ {
                    label.push_str(", details differ");
                }
                if !config.latency.is_zero() {
                    label.push_str(&format!(", latency {} ms", config.latency.as_millis()));
                }
                let mut off = Vec::new();
                if !config.features.community_groups {
                    off.push("community_groups");
                }
                if !config.features.push_service {
                    off.push("push_service");
                }
                if !off.is_empty() {
                    label.push_str(&format!(", features off: {}", off.join(", ")));
                }
                Ok(ActiveTarget {
                    base_url,
                    label,
                    emulator: Some(handle),
                })
            }
        }
    }

    pub async fn stop(self) {
        if let Some(handle) = self.emulator {
            handle.shutdown().await;
        }
    }
}
