//! A QR code drawn as inline SVG, with an accessible name that says what it is.

use yew::prelude::*;

use crate::qr::QrDrawing;

/// The SVG of `drawing`, named `label` for screen readers. A view function: the screen that shows it keeps the
/// drawing (`use_memo`), so that it is drawn once per URI rather than at every keystroke.
pub fn qr_code(drawing: &QrDrawing, label: &str) -> Html {
    let view_box = format!("0 0 {0} {0}", drawing.size);
    html! {
        <svg class="mfa-qr" role="img" aria-label={label.to_owned()} viewBox={view_box}
            width="240" height="240" shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
            <rect width="100%" height="100%" fill="#fff" />
            <path d={drawing.path.clone()} fill="#000" />
        </svg>
    }
}
