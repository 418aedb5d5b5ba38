//! Hooks that every flow host and the root share: running the request that a reducer's state waits for, telling
//! the root once when a flow ends, and the one-second clock that every countdown on screen runs on.
//!
//! Each is one `use_effect_with`, returned as it is rather than wrapped by `#[hook]`: the wrapper would only add a
//! layer (and bytes) around the one hook inside.

use std::future::Future;

use devices_api::Device;
use yew::functional::Hook;
use yew::prelude::*;

/// Runs `pending`, the request that `reducer`'s state waits for, whenever it changes, and dispatches the action
/// that `run` makes of its outcome. A state that waits for nothing runs nothing.
pub fn use_requests<T, R, F>(
    reducer: &UseReducerHandle<T>,
    pending: Option<R>,
    run: impl FnOnce(R) -> F + 'static,
) -> impl Hook<Output = ()>
where
    T: Reducible + 'static,
    R: Clone + PartialEq + 'static,
    F: Future<Output = T::Action> + 'static,
{
    let dispatch = reducer.dispatcher();
    use_effect_with(pending, move |request| {
        if let Some(request) = request.clone() {
            wasm_bindgen_futures::spawn_local(async move { dispatch.dispatch(run(request).await) });
        }
    })
}

/// Where a reducer's actions go, as a view's callback.
pub fn dispatcher_of<T: Reducible + 'static>(reducer: &UseReducerHandle<T>) -> Callback<T::Action> {
    let dispatch = reducer.dispatcher();
    Callback::from(move |action| dispatch.dispatch(action))
}

/// Tells `on_finished` once, when a flow reaches its end: with the activated device, or `None` when the person
/// cancelled.
pub fn use_finished(finished: Option<Option<Device>>, on_finished: Callback<Option<Device>>) -> impl Hook<Output = ()> {
    use_effect_with(finished, move |finished| {
        if let Some(device) = finished {
            on_finished.emit(device.clone());
        }
    })
}

/// A one-second clock while `running`, and none otherwise: each second, `tick` is called.
pub fn use_ticker(running: bool, tick: Callback<()>) -> impl Hook<Output = ()> {
    use_effect_with(running, move |running| {
        let interval = running.then(|| gloo_timers::callback::Interval::new(1000, move || tick.emit(())));
        move || drop(interval)
    })
}
