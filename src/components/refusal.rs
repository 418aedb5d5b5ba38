//! A refusal that belongs to a whole form rather than one field, such as the network, the service or a rate limit.
//! When the server said how long to wait (`Retry-After`), the wait counts down live.

use std::rc::Rc;

use yew::prelude::*;

use crate::context::use_scope;
use crate::error::ApiError;
use crate::flows::CodeProblem;
use crate::hooks::use_ticker;
use crate::i18n;

#[derive(Properties, PartialEq)]
pub struct RefusalProps {
    pub error: ApiError,
}

/// The seconds left of a wait, one fewer at each tick.
struct Wait(u32);

enum WaitAction {
    /// A new refusal, with its own wait.
    Restart(u32),
    Tick,
}

impl Reducible for Wait {
    type Action = WaitAction;

    fn reduce(self: Rc<Self>, action: WaitAction) -> Rc<Self> {
        Rc::new(match action {
            WaitAction::Restart(seconds) => Wait(seconds),
            WaitAction::Tick => Wait(self.0.saturating_sub(1)),
        })
    }
}

#[component]
pub fn Refusal(props: &RefusalProps) -> Html {
    let scope = use_scope().unwrap_or_default();
    let messages = scope.messages;
    let wait = match props.error {
        ApiError::TooMany { retry_after: Some(seconds) } => seconds,
        _ => 0,
    };
    let left = use_reducer(|| Wait(wait));
    {
        let dispatch = left.dispatcher();
        use_effect_with(props.error.clone(), move |_| dispatch.dispatch(WaitAction::Restart(wait)));
    }
    let tick = {
        let dispatch = left.dispatcher();
        Callback::from(move |()| dispatch.dispatch(WaitAction::Tick))
    };
    use_ticker(left.0 > 0, tick);
    // The alert is said once; the countdown beside it is a timer, which screen readers do not read out every second.
    let countdown = match (wait, left.0) {
        (0, _) => Html::default(),
        (_, 0) => html! { <p class="mfa-hint" role="status">{ messages.retry_now() }</p> },
        (_, left) => html! { <p class="mfa-hint" role="timer">{ i18n::fill(messages.retry_in(), left) }</p> },
    };
    html! {
        <>
            <p class="mfa-error" part="error" role="alert">{ i18n::describe(&props.error, messages) }</p>
            { countdown }
        </>
    }
}

/// The form-level part of a code that was not accepted: a [`Refusal`] for a failure that is not about the code.
pub fn code_refusal(problem: Option<&CodeProblem>) -> Html {
    match problem {
        Some(CodeProblem::Failed(error)) => html! { <Refusal error={error.clone()} /> },
        _ => Html::default(),
    }
}
