//! A refusal that belongs to a whole form rather than one field, such as the network, the service or a rate limit.
//! When the server said how long to wait (`Retry-After`), the wait counts down live.

use yew::prelude::*;

use crate::api::ApiError;
use crate::flows::CodeProblem;
use crate::i18n::{self, Messages};

#[derive(Properties, PartialEq)]
pub struct RefusalProps {
    pub error: ApiError,
    pub messages: &'static Messages,
}

#[component]
pub fn Refusal(props: &RefusalProps) -> Html {
    let messages = props.messages;
    let wait = match props.error {
        ApiError::TooMany { retry_after: Some(seconds) } => seconds,
        _ => 0,
    };
    let left = use_state_eq(|| wait);
    {
        // A one-second clock from each new refusal to the end of its wait, and none otherwise.
        let left = left.clone();
        use_effect_with(props.error.clone(), move |_| {
            left.set(wait);
            let mut remaining = wait;
            let interval = (wait > 0).then(|| {
                gloo_timers::callback::Interval::new(1000, move || {
                    remaining = remaining.saturating_sub(1);
                    left.set(remaining);
                })
            });
            move || drop(interval)
        });
    }
    // The alert is said once; the countdown beside it is a timer, which screen readers do not read out every second.
    let countdown = match (wait, *left) {
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
pub fn code_refusal(problem: Option<&CodeProblem>, messages: &'static Messages) -> Html {
    match problem {
        Some(CodeProblem::Failed(error)) => html! { <Refusal error={error.clone()} messages={messages} /> },
        _ => Html::default(),
    }
}
