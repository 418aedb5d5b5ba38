//! Reading the fields whose shape PingOne leaves open or documents in more than one way (`innerError.retryAfter` as
//! seconds or as a date-time, `lock`, `block`, the order and its items): a value that does not read as the model says
//! reads as absent, and never makes the whole answer unreadable. Required fields stay strict.
//!
//! Used as `#[serde(default, deserialize_with = "lenient::optional")]` on an `Option` field, and
//! `#[serde(default, deserialize_with = "lenient::items")]` on a list whose unreadable items are skipped.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// A value that reads as `T`, or anything else, which is ignored.
#[derive(Deserialize)]
#[serde(untagged)]
enum Lenient<T> {
    Read(T),
    Other(IgnoredAny),
}

impl<T> Lenient<T> {
    fn read(self) -> Option<T> {
        match self {
            Self::Read(value) => Some(value),
            Self::Other(_) => None,
        }
    }
}

/// `T` when the value reads as one; `None` for `null` or any other shape.
pub fn optional<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    Ok(Lenient::<Option<T>>::deserialize(deserializer)?.read().flatten())
}

/// The ids of a list whose items are `{"id": …}` or bare ids; other items are skipped, and a value that is not a
/// list reads as absent (an empty list stays empty: it says something else).
pub fn ids<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<crate::IdRef>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Entry {
        Object(crate::IdRef),
        Bare(String),
    }
    let Some(entries) = Lenient::<Vec<Lenient<Entry>>>::deserialize(deserializer)?.read() else { return Ok(None) };
    let ids = entries.into_iter().filter_map(Lenient::read).map(|entry| match entry {
        Entry::Object(reference) => reference,
        Entry::Bare(id) => crate::IdRef { id },
    });
    Ok(Some(ids.collect()))
}

/// The items that read as `T`; nothing when the value is not a list.
pub fn items<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    let list = Lenient::<Vec<Lenient<T>>>::deserialize(deserializer)?.read().unwrap_or_default();
    Ok(list.into_iter().filter_map(Lenient::read).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Device, DeviceList, ErrorBody};

    #[test]
    fn inner_error_members_of_another_shape_read_as_absent() {
        for retry_after in [json!("2026-12-01T10:00:00Z"), json!(-1), json!(1.5), json!({}), json!(null)] {
            let body = json!({ "id": "e", "code": "REQUEST_LIMITED", "message": "m",
                "details": [{ "code": "LIMIT_EXCEEDED", "innerError": { "retryAfter": retry_after,
                "remainingAttempts": "two", "maximumAllowed": [15] } }] });
            let error: ErrorBody = serde_json::from_value(body).expect("still readable");
            let inner = error.details[0].inner_error.clone().expect("the inner error is kept");
            assert_eq!((inner.retry_after, inner.remaining_attempts, inner.maximum_allowed), (None, None, None));
        }
        let not_an_object = json!({ "id": "e", "code": "C", "message": "m",
            "details": [{ "code": "D", "innerError": "later" }] });
        let error: ErrorBody = serde_json::from_value(not_an_object).expect("still readable");
        assert_eq!(error.details[0].inner_error, None);
    }

    #[test]
    fn lock_and_block_of_another_shape_read_as_absent() {
        for odd in [json!("LOCKED"), json!(true), json!({ "expiresAt": "2026-12-01T10:00:00Z" }), json!([])] {
            let device = json!({ "id": "d", "type": "SMS", "status": "ACTIVE", "lock": odd, "block": odd });
            let device: Device = serde_json::from_value(device).expect("still readable");
            assert_eq!((device.lock, device.block), (None, None));
        }
        let device = json!({ "id": "d", "type": "SMS", "status": "ACTIVE",
            "lock": { "status": "LOCKED", "expiresAt": 1_764_583_200 }, "block": { "status": "BLOCKED" } });
        let device: Device = serde_json::from_value(device).expect("readable");
        let lock = device.lock.expect("a lock");
        assert_eq!((lock.status.as_str(), lock.expires_at), ("LOCKED", None), "an end time of another shape");
        assert_eq!(device.block.expect("a block").status, "BLOCKED");
    }

    #[test]
    fn an_order_of_another_shape_reads_as_empty_and_odd_items_are_skipped_but_bare_ids_are_read() {
        let devices = json!([{ "id": "d", "type": "SMS", "status": "ACTIVE" }]);
        for (order, read) in [
            (json!("d"), vec![]),
            (json!({ "id": "d" }), vec![]),
            (json!(null), vec![]),
            (json!([]), vec![]),
            (json!([{ "id": "d" }, "e", { "id": 7 }, { "id": "f" }, null]), vec!["d", "e", "f"]),
            (json!(["d", "e"]), vec!["d", "e"]),
        ] {
            let list: DeviceList =
                serde_json::from_value(json!({ "_embedded": { "devices": devices, "order": order } }))
                    .expect("still readable");
            let ids: Vec<&str> = list.embedded.order.iter().flatten().map(|entry| entry.id.as_str()).collect();
            assert_eq!(ids, read);
        }
    }

    #[test]
    fn a_required_field_missing_or_mistyped_still_makes_the_answer_unreadable() {
        assert!(serde_json::from_value::<Device>(json!({ "type": "SMS", "status": "ACTIVE" })).is_err());
        assert!(serde_json::from_value::<Device>(json!({ "id": "d", "type": 7, "status": "ACTIVE" })).is_err());
        assert!(serde_json::from_value::<DeviceList>(json!({ "_embedded": { "devices": "none" } })).is_err());
    }
}
