//! A ticket as the office reads it: every section, its conflicts, and its history with the time
//! the server received each change. [`crate::engine::Engine::ticket_detail`] makes it; the
//! ticket API returns it, and the deadlines are judged on it.

use std::collections::{BTreeMap, HashMap};

use fieldledger_core::ticket::decision::DecisionConflict;
use fieldledger_core::ticket::{FieldConflict, HistoryEntry};
use fieldledger_core::{TicketId, TicketView, Timestamp};

/// A ticket as the office API returns it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The document's heads (hex change hashes).
    pub heads: Vec<String>,
    /// Every section.
    pub view: TicketView,
    /// The decision conflict, if any.
    pub decision_conflict: Option<DecisionConflict>,
    /// Fields with concurrent values.
    pub field_conflicts: Vec<FieldConflict>,
    /// Every change, with the time the server received it.
    pub history: Vec<HistoryLine>,
}

/// One change in a ticket's history, with its receipt time.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HistoryLine {
    /// The change as the document records it.
    #[serde(flatten)]
    pub entry: HistoryEntry,
    /// When the server first received it.
    pub received_at: Option<Timestamp>,
}

/// The names, from `names` (user id to name), of the users whom the ticket `view` names
/// anywhere (its registrant, hand-offs, travel task orders, visits, decisions, costs, return
/// visits, closures), by id, so that people read names rather than ids.
pub fn people(view: &TicketView, names: &HashMap<&str, &str>) -> BTreeMap<String, String> {
    let mut named = BTreeMap::new();
    let mut pending = vec![serde_json::to_value(view).unwrap_or_default()];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::String(s) => {
                if let Some(name) = names.get(s.as_str()) {
                    named.insert(s, (*name).to_owned());
                }
            }
            serde_json::Value::Array(items) => pending.extend(items),
            serde_json::Value::Object(fields) => pending.extend(fields.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    named
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use fieldledger_core::ticket::intake::Registration;
    use fieldledger_core::{Author, Role, Ticket};

    use super::*;

    #[test]
    fn the_people_a_ticket_names_are_found_by_their_ids() {
        let desk = Author::new("desk.wang".parse().expect("an id"), Role::ServiceDesk);
        let registration = Registration {
            complaint: true,
            customer_name: "Cangzhou Water".into(),
            product_name: "KYN28A-12".into(),
            model: "KYN28A-12/1250".into(),
            content: "Breaker will not close".into(),
            ..Registration::default()
        };
        let ticket = Ticket::register(
            TicketId::random(),
            ActorId::random(),
            &desk,
            Timestamp(1),
            &registration,
        )
        .expect("a ticket");
        let users = HashMap::from([("desk.wang", "王芳"), ("sup.sun", "孙主管")]);
        let named = people(&ticket.view().expect("a view"), &users);
        let expected = BTreeMap::from([("desk.wang".to_owned(), "王芳".to_owned())]);
        assert_eq!(named, expected);
    }
}
