//! A labelled text field with its hint and its problem, tied together with `for`, `aria-describedby` and
//! `aria-invalid`, so that a screen reader reads the problem with the field.
//!
//! A view function rather than a component: it holds no state, and a component of its own would cost the widget
//! most of a kilobyte (BENCHMARKS.md) for nothing that a function does not do.

use yew::prelude::*;

/// A controlled text field: the value it shows, and where what the person types goes.
pub struct Field<'a> {
    /// The field's id; the hint and the problem take it as their prefix.
    pub id: &'a str,
    pub name: &'static str,
    pub label: &'a str,
    pub hint: &'a str,
    pub value: &'a str,
    /// What is wrong with the value, if anything.
    pub problem: Option<AttrValue>,
    /// `text`, `tel` or `email`.
    pub input_type: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    /// Read-only while a request about the value is under way.
    pub readonly: bool,
    pub on_change: Callback<String>,
}

pub fn field(field: Field<'_>) -> Html {
    let hint_id = format!("{}-hint", field.id);
    let problem_id = format!("{}-problem", field.id);
    let described_by = match field.problem {
        Some(_) => format!("{hint_id} {problem_id}"),
        None => hint_id.clone(),
    };
    let on_change = field.on_change;
    let on_input = Callback::from(move |event: InputEvent| {
        let input: web_sys::HtmlInputElement = event.target_unchecked_into();
        on_change.emit(input.value());
    });
    html! {
        <div class="mfa-field" part="field">
            <label for={field.id.to_owned()}>{ field.label }</label>
            <input id={field.id.to_owned()} part="input" name={field.name} type={field.input_type}
                inputmode={field.inputmode} autocomplete={field.autocomplete}
                value={field.value.to_owned()} oninput={on_input} readonly={field.readonly}
                aria-invalid={if field.problem.is_some() { "true" } else { "false" }}
                aria-describedby={described_by} />
            <p id={hint_id} class="mfa-hint">{ field.hint }</p>
            <p id={problem_id} class="mfa-error" part="error" role="alert">{ field.problem.unwrap_or_default() }</p>
        </div>
    }
}
