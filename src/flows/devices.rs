//! Managing the devices a person has: the list, renaming one inline, removing one after a confirmation that
//! warns when it is the last active one, and making one the default.
//!
//! The reducer is pure; it names the request its state waits for in [`DeviceManager::pending_request`], and the
//! root component runs it.

use std::rc::Rc;

use devices_api::{Device, DeviceStatus, validate};
use yew::Reducible;

use crate::error::ApiError;
use crate::types::DeviceOverview;

/// The devices as last loaded, and what the person is doing with one of them.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceManager {
    pub list: Listing,
    pub task: Task,
    /// Bumped to ask for a fresh list.
    pub version: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    Loading,
    Loaded(DeviceOverview),
    Failed(ApiError),
}

/// One thing at a time happens to one device.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    Idle,
    Renaming {
        device_id: String,
        typed: String,
        problem: Option<RenameProblem>,
    },
    SavingName {
        device_id: String,
        typed: String,
    },
    ConfirmingRemoval {
        device_id: String,
        last_active: bool,
    },
    Removing {
        device_id: String,
    },
    MakingDefault {
        device_id: String,
    },
    /// The last change failed; the list is reloaded and this says why.
    Failed(ApiError),
    /// The last change went through.
    Done(Change),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Renamed,
    Removed,
    DefaultChanged,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RenameProblem {
    /// More than 100 characters, or control characters.
    Invalid,
    Refused(ApiError),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ManagerAction {
    Loaded(Result<DeviceOverview, ApiError>),
    Reload,
    StartRename(String),
    NameChanged(String),
    SubmitName,
    Renamed(Result<(), ApiError>),
    AskRemove(String),
    ConfirmRemove,
    Removed(Result<(), ApiError>),
    MakeDefault(String),
    DefaultMade(Result<(), ApiError>),
    /// Leave whatever is under way that is not a request: renaming or confirming.
    Dismiss,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ManagerRequest {
    Rename {
        device_id: String,
        nickname: String,
    },
    Remove {
        device_id: String,
    },
    /// The new order: this device first, then the other active ones as they were.
    Reorder {
        order: Vec<String>,
    },
}

impl Default for DeviceManager {
    fn default() -> Self {
        Self { list: Listing::Loading, task: Task::Idle, version: 0 }
    }
}

impl DeviceManager {
    pub fn devices(&self) -> &[Device] {
        match &self.list {
            Listing::Loaded(overview) => &overview.devices,
            _ => &[],
        }
    }

    /// The default device, as the list says (see `DeviceList::default_id`); never a blocked one.
    pub fn default_id(&self) -> Option<&str> {
        let Listing::Loaded(overview) = &self.list else { return None };
        overview.default_id.as_deref()
    }

    fn active_ids(&self) -> Vec<String> {
        self.devices().iter().filter(|d| d.status == DeviceStatus::Active).map(|d| d.id.clone()).collect()
    }

    pub fn pending_request(&self) -> Option<ManagerRequest> {
        match &self.task {
            Task::SavingName { device_id, typed } => {
                Some(ManagerRequest::Rename { device_id: device_id.clone(), nickname: typed.trim().to_owned() })
            }
            Task::Removing { device_id } => Some(ManagerRequest::Remove { device_id: device_id.clone() }),
            Task::MakingDefault { device_id } => {
                let mut order = vec![device_id.clone()];
                order.extend(self.ordered_active().into_iter().filter(|id| id != device_id));
                Some(ManagerRequest::Reorder { order })
            }
            _ => None,
        }
    }

    /// The active devices, the current default first.
    fn ordered_active(&self) -> Vec<String> {
        let mut active = self.active_ids();
        if let Some(default) = self.default_id()
            && let Some(at) = active.iter().position(|id| id == default)
        {
            let default = active.remove(at);
            active.insert(0, default);
        }
        active
    }

    fn busy(&self) -> bool {
        matches!(self.task, Task::SavingName { .. } | Task::Removing { .. } | Task::MakingDefault { .. })
    }

    pub fn next(self, action: ManagerAction) -> Self {
        use ManagerAction as A;
        let reloaded = |mut manager: Self, task: Task| {
            manager.task = task;
            manager.version = manager.version.wrapping_add(1);
            manager
        };
        match action {
            A::Loaded(Ok(overview)) => Self { list: Listing::Loaded(overview), ..self },
            A::Loaded(Err(error)) => Self { list: Listing::Failed(error), ..self },
            A::Reload => Self { list: Listing::Loading, ..reloaded(self, Task::Idle) },
            _ if self.busy() && !matches!(action, A::Renamed(_) | A::Removed(_) | A::DefaultMade(_)) => self,
            A::StartRename(device_id) => {
                let typed = self
                    .devices()
                    .iter()
                    .find(|d| d.id == device_id)
                    .and_then(|d| d.nickname.clone())
                    .unwrap_or_default();
                Self { task: Task::Renaming { device_id, typed, problem: None }, ..self }
            }
            A::NameChanged(typed) => match self.task {
                Task::Renaming { device_id, .. } => {
                    Self { task: Task::Renaming { device_id, typed, problem: None }, ..self }
                }
                _ => self,
            },
            A::SubmitName => match self.task.clone() {
                Task::Renaming { device_id, typed, .. } if validate::is_nickname(typed.trim()) => {
                    Self { task: Task::SavingName { device_id, typed }, ..self }
                }
                Task::Renaming { device_id, typed, .. } => {
                    Self { task: Task::Renaming { device_id, typed, problem: Some(RenameProblem::Invalid) }, ..self }
                }
                _ => self,
            },
            A::Renamed(Ok(())) => reloaded(self, Task::Done(Change::Renamed)),
            A::Renamed(Err(error)) => match self.task.clone() {
                Task::SavingName { device_id, typed } => Self {
                    task: Task::Renaming { device_id, typed, problem: Some(RenameProblem::Refused(error)) },
                    ..self
                },
                _ => self,
            },
            A::AskRemove(device_id) => {
                let active = self.active_ids();
                let last_active = active.len() == 1 && active[0] == device_id;
                Self { task: Task::ConfirmingRemoval { device_id, last_active }, ..self }
            }
            A::ConfirmRemove => match self.task.clone() {
                Task::ConfirmingRemoval { device_id, .. } => Self { task: Task::Removing { device_id }, ..self },
                _ => self,
            },
            A::Removed(Ok(())) => reloaded(self, Task::Done(Change::Removed)),
            A::Removed(Err(error)) | A::DefaultMade(Err(error)) => reloaded(self, Task::Failed(error)),
            A::MakeDefault(device_id) => Self { task: Task::MakingDefault { device_id }, ..self },
            A::DefaultMade(Ok(())) => reloaded(self, Task::Done(Change::DefaultChanged)),
            A::Dismiss => Self { task: Task::Idle, ..self },
        }
    }
}

impl Reducible for DeviceManager {
    type Action = ManagerAction;

    fn reduce(self: Rc<Self>, action: ManagerAction) -> Rc<Self> {
        Rc::new((*self).clone().next(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, status: &str) -> Device {
        serde_json::from_value(
            serde_json::json!({ "id": id, "type": "TOTP", "status": status, "nickname": format!("name {id}") }),
        )
        .expect("device")
    }

    fn loaded(devices: Vec<Device>, default_id: Option<&str>) -> DeviceManager {
        DeviceManager::default()
            .next(ManagerAction::Loaded(Ok(DeviceOverview { devices, default_id: default_id.map(str::to_owned) })))
    }

    #[test]
    fn renaming_starts_from_the_current_name_and_checks_the_new_one() {
        let manager = loaded(vec![device("a", "ACTIVE")], None).next(ManagerAction::StartRename("a".into()));
        assert_eq!(manager.task, Task::Renaming { device_id: "a".into(), typed: "name a".into(), problem: None });
        let too_long =
            manager.clone().next(ManagerAction::NameChanged("x".repeat(101))).next(ManagerAction::SubmitName);
        assert!(matches!(too_long.task, Task::Renaming { problem: Some(RenameProblem::Invalid), .. }));
        assert_eq!(too_long.pending_request(), None);
        // A right-to-left override would show "Work phone" for a name that PingOne's console reads otherwise.
        let disguised = manager
            .clone()
            .next(ManagerAction::NameChanged("Work \u{202E}enohp".into()))
            .next(ManagerAction::SubmitName);
        assert!(matches!(disguised.task, Task::Renaming { problem: Some(RenameProblem::Invalid), .. }));
        assert_eq!(disguised.pending_request(), None);
        let saving = manager.next(ManagerAction::NameChanged(" Work phone ".into())).next(ManagerAction::SubmitName);
        assert_eq!(
            saving.pending_request(),
            Some(ManagerRequest::Rename { device_id: "a".into(), nickname: "Work phone".into() })
        );
        let done = saving.next(ManagerAction::Renamed(Ok(())));
        assert_eq!((done.task, done.version), (Task::Done(Change::Renamed), 1), "a rename reloads the list");
    }

    #[test]
    fn a_refused_name_stays_in_the_field_with_the_reason() {
        let saving = loaded(vec![device("a", "ACTIVE")], None)
            .next(ManagerAction::StartRename("a".into()))
            .next(ManagerAction::SubmitName);
        let refused = saving.next(ManagerAction::Renamed(Err(ApiError::Network)));
        assert!(matches!(
            refused.task,
            Task::Renaming { problem: Some(RenameProblem::Refused(ApiError::Network)), .. }
        ));
    }

    #[test]
    fn removal_is_confirmed_first_and_warns_for_the_last_active_device() {
        let two = loaded(vec![device("a", "ACTIVE"), device("b", "ACTIVE")], None);
        let asked = two.next(ManagerAction::AskRemove("a".into()));
        assert_eq!(asked.task, Task::ConfirmingRemoval { device_id: "a".into(), last_active: false });
        assert_eq!(asked.pending_request(), None, "nothing is removed before the confirmation");
        let one = loaded(vec![device("a", "ACTIVE"), device("b", "ACTIVATION_REQUIRED")], None);
        assert_eq!(
            one.next(ManagerAction::AskRemove("a".into())).task,
            Task::ConfirmingRemoval { device_id: "a".into(), last_active: true }
        );
        let confirmed = asked.next(ManagerAction::ConfirmRemove);
        assert_eq!(confirmed.pending_request(), Some(ManagerRequest::Remove { device_id: "a".into() }));
        assert_eq!(confirmed.clone().next(ManagerAction::Removed(Ok(()))).task, Task::Done(Change::Removed));
        assert_eq!(
            confirmed.next(ManagerAction::Removed(Err(ApiError::Network))).task,
            Task::Failed(ApiError::Network)
        );
        let dismissed = loaded(vec![device("a", "ACTIVE")], None)
            .next(ManagerAction::AskRemove("a".into()))
            .next(ManagerAction::Dismiss);
        assert_eq!(dismissed.task, Task::Idle);
    }

    #[test]
    fn making_a_device_default_puts_it_first_and_keeps_the_rest_in_order() {
        let manager = loaded(
            vec![
                device("a", "ACTIVE"),
                device("b", "ACTIVE"),
                device("c", "ACTIVE"),
                device("d", "ACTIVATION_REQUIRED"),
            ],
            Some("b"),
        );
        assert_eq!(manager.default_id(), Some("b"));
        let making = manager.next(ManagerAction::MakeDefault("c".into()));
        assert_eq!(
            making.pending_request(),
            Some(ManagerRequest::Reorder { order: vec!["c".into(), "b".into(), "a".into()] })
        );
        assert_eq!(making.clone().next(ManagerAction::StartRename("a".into())), making, "one change at a time");
        assert_eq!(making.next(ManagerAction::DefaultMade(Ok(()))).task, Task::Done(Change::DefaultChanged));
    }
}
