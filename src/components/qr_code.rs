//! A QR code drawn as inline SVG, with an accessible name that says what it is.

use yew::prelude::*;

use crate::qr;

#[derive(Properties, PartialEq)]
pub struct QrCodeProps {
    /// The text to encode, such as an `otpauth://` URI.
    pub text: AttrValue,
    /// The accessible name of the image.
    pub label: AttrValue,
}

#[component]
pub fn QrCode(props: &QrCodeProps) -> Html {
    let Some(drawing) = qr::draw(&props.text) else {
        return Html::default();
    };
    let view_box = format!("0 0 {0} {0}", drawing.size);
    html! {
        <svg class="mfa-qr" role="img" aria-label={props.label.clone()} viewBox={view_box}
            width="240" height="240" shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
            <rect width="100%" height="100%" fill="#fff" />
            <path d={drawing.path} fill="#000" />
        </svg>
    }
}
