//! Moves keyboard and screen-reader focus to a step's heading when a flow opens and whenever it moves to another
//! screen, so that the person hears where they are without hunting for it.

use yew::prelude::*;

/// A ref for the heading, focused when `screen` changes; the heading needs `tabindex="-1"`.
#[hook]
pub fn use_focus_on_screen(screen: u8) -> NodeRef {
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        use_effect_with(screen, move |_| {
            if let Some(element) = heading.cast::<web_sys::HtmlElement>() {
                element.focus().ok();
            }
        });
    }
    heading
}
