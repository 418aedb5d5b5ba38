//! What every view of one widget reads from its surroundings rather than from its props: the words in the
//! person's language and the prefix that makes this widget's ids unique on the page (two widgets on one page must
//! not share a `for` or an `aria-describedby`). The root provides it; a view outside any root gets English and
//! a plain prefix.

use yew::functional::Hook;
use yew::prelude::*;

use crate::i18n::{EN, Messages};

/// The surroundings of one widget's views.
#[derive(Clone)]
pub struct Scope {
    pub messages: &'static Messages,
    /// Makes this widget's ids unique on the page, such as `mfa-enroll-0`.
    pub id_prefix: AttrValue,
}

/// A catalogue is loaded once and kept: the same words are the same catalogue.
impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.messages, other.messages) && self.id_prefix == other.id_prefix
    }
}

impl Default for Scope {
    fn default() -> Self {
        Self { messages: &EN, id_prefix: AttrValue::Static("mfa-enroll") }
    }
}

impl Scope {
    /// An id for `name` that is unique to this widget on the page, for `<label for>` and `aria-*`.
    pub fn id(&self, name: &str) -> AttrValue {
        AttrValue::from(format!("{}-{name}", self.id_prefix))
    }
}

/// The surroundings of the view that calls it, `None` outside any widget (then [`Scope::default`]): its words, and
/// its ids through [`Scope::id`]. Returned as `use_context`'s own hook: a `#[hook]` wrapper around it would cost
/// bytes and do nothing more.
pub fn use_scope() -> impl Hook<Output = Option<Scope>> {
    use_context::<Scope>()
}
