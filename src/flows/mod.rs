//! Enrollment flows as pure state machines: a state, an action, and the next state. Views render a flow's state and
//! dispatch actions; the request that a state waits for is named by the flow and run by the view's effect.

pub mod totp;
