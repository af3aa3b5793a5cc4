//! How much of a device's refusals reaches the administrator's security log. One device's flood
//! of forged changes must not bury everything else: each sync request logs at most
//! [`PER_REQUEST`] events, and each device at most [`PER_DEVICE_HOUR`] an hour. Past a limit the
//! refusals are counted, and one event says how many were not logged.

use std::collections::HashMap;
use std::sync::Mutex;

use fieldledger_core::{DeviceId, Timestamp};

use crate::storage::SecurityEvent;

/// The most security events one sync request writes.
pub const PER_REQUEST: usize = 20;

/// The most security events one device writes in an hour.
pub const PER_DEVICE_HOUR: usize = 200;

const HOUR_MS: i64 = 3_600_000;

/// A device's hour: since when, how many events were logged and how many were not.
#[derive(Debug)]
struct Window {
    start: Timestamp,
    logged: usize,
    unlogged: usize,
}

/// The devices' hourly budgets of security events, kept in memory: after a restart every
/// device starts a new hour.
#[derive(Debug, Default)]
pub struct SecurityLog {
    windows: Mutex<HashMap<DeviceId, Window>>,
}

impl SecurityLog {
    /// Cuts the events of one sync request by `device` at `now` to what the limits allow, each
    /// cut marked by one event that counts what it left out.
    pub fn keep(&self, device: &DeviceId, now: Timestamp, events: &mut Vec<SecurityEvent>) {
        let Some(template) = events.first().cloned() else {
            return;
        };
        let counted = |detail: String| SecurityEvent {
            at: now,
            kind: "refusals".into(),
            ticket: None,
            detail,
            ..template.clone()
        };
        if events.len() > PER_REQUEST {
            let more = events.len() - PER_REQUEST + 1;
            events.truncate(PER_REQUEST - 1);
            events.push(counted(format!(
                "{more} more refusals in the same sync request"
            )));
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows.entry(device.clone()).or_insert(Window {
            start: now,
            logged: 0,
            unlogged: 0,
        });
        if now.millis() - window.start.millis() >= HOUR_MS {
            if window.unlogged > 0 {
                events.insert(
                    0,
                    counted(format!(
                        "{} refusals from this device in the hour before were counted, not logged",
                        window.unlogged
                    )),
                );
            }
            *window = Window {
                start: now,
                logged: 0,
                unlogged: 0,
            };
        }
        // The hour's last event is kept for the one that says the budget is spent.
        let room = (PER_DEVICE_HOUR - 1).saturating_sub(window.logged);
        if events.len() > room {
            window.unlogged += events.len() - room;
            events.truncate(room);
            if window.logged + room < PER_DEVICE_HOUR {
                events.push(counted(format!(
                    "this device reached {PER_DEVICE_HOUR} security events within an hour; \
                     further refusals in that hour are counted, not logged"
                )));
            }
        }
        window.logged += events.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusals(n: usize) -> Vec<SecurityEvent> {
        (0..n)
            .map(|i| SecurityEvent {
                at: Timestamp(0),
                kind: "forged_author".into(),
                device: None,
                user: None,
                ticket: None,
                detail: format!("refusal {i}"),
            })
            .collect()
    }

    #[test]
    fn a_request_logs_at_most_its_share_and_counts_the_rest() {
        let log = SecurityLog::default();
        let device: DeviceId = "dev-1".parse().expect("device");
        let mut events = refusals(50);
        log.keep(&device, Timestamp(0), &mut events);
        assert_eq!(events.len(), PER_REQUEST);
        assert!(events[PER_REQUEST - 1].detail.contains("31 more refusals"));
    }

    #[test]
    fn a_device_logs_at_most_its_hourly_share_then_counts_until_the_next_hour() {
        let log = SecurityLog::default();
        let (device, other): (DeviceId, DeviceId) = (
            "dev-1".parse().expect("device"),
            "dev-2".parse().expect("device"),
        );
        let mut logged = 0;
        for minute in 0..59 {
            let mut events = refusals(PER_REQUEST);
            log.keep(&device, Timestamp(minute * 60_000), &mut events);
            logged += events.len();
        }
        assert_eq!(logged, PER_DEVICE_HOUR, "the device's hour is full");
        let mut events = refusals(5);
        log.keep(&other, Timestamp(59 * 60_000), &mut events);
        assert_eq!(events.len(), 5, "another device keeps its own budget");
        let mut events = refusals(1);
        log.keep(&device, Timestamp(HOUR_MS + 1), &mut events);
        assert_eq!(events.len(), 2);
        let unlogged = 59 * PER_REQUEST - (PER_DEVICE_HOUR - 1);
        assert!(
            events[0]
                .detail
                .starts_with(&format!("{unlogged} refusals from this device")),
            "{}",
            events[0].detail
        );
    }
}
