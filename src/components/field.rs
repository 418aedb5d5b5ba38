//! A labelled text field with its hint and its problem, tied together with `for`, `aria-describedby` and
//! `aria-invalid`, so that a screen reader reads the problem with the field.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    /// The field's id; the hint and the problem take it as their prefix.
    pub id: AttrValue,
    pub name: AttrValue,
    pub label: AttrValue,
    pub hint: AttrValue,
    pub value: AttrValue,
    /// What is wrong with the value, if anything.
    #[prop_or_default]
    pub problem: Option<AttrValue>,
    /// `text`, `tel` or `email`.
    #[prop_or(AttrValue::Static("text"))]
    pub input_type: AttrValue,
    pub inputmode: AttrValue,
    pub autocomplete: AttrValue,
    /// Read-only while a request about the value is under way.
    #[prop_or_default]
    pub readonly: bool,
    pub on_change: Callback<String>,
}

#[component]
pub fn Field(props: &FieldProps) -> Html {
    let hint_id = format!("{}-hint", props.id);
    let problem_id = format!("{}-problem", props.id);
    let described_by = match props.problem {
        Some(_) => format!("{hint_id} {problem_id}"),
        None => hint_id.clone(),
    };
    let on_input = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: InputEvent| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            on_change.emit(input.value());
        })
    };
    html! {
        <div class="mfa-field" part="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input id={props.id.clone()} part="input" name={props.name.clone()} type={props.input_type.clone()}
                inputmode={props.inputmode.clone()} autocomplete={props.autocomplete.clone()}
                value={props.value.clone()} oninput={on_input} readonly={props.readonly}
                aria-invalid={if props.problem.is_some() { "true" } else { "false" }}
                aria-describedby={described_by} />
            <p id={hint_id} class="mfa-hint">{ props.hint.clone() }</p>
            <p id={problem_id} class="mfa-error" part="error" role="alert">{ props.problem.clone().unwrap_or_default() }</p>
        </div>
    }
}
