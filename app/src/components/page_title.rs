//! The document title of every page. leptos_meta writes the `<title>` text into the
//! server-rendered HTML as it is given (no escaping), so a project or group named
//! `</title><img src=x onerror=…>` would become live markup for every visitor. Pages set
//! their title only through [`PageTitle`], which escapes it for the server's HTML and hands
//! the browser the plain text (`document.title` is text, escaping it there would show
//! `&lt;` to the user).

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the page's `<title>` to `text`, safely for any user-controlled text.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <Title text=title_text(text)/> }
}

#[cfg(feature = "ssr")]
fn title_text(text: String) -> String {
    html_escape::encode_text(&text).into_owned()
}

#[cfg(not(feature = "ssr"))]
fn title_text(text: String) -> String {
    text
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::title_text;

    #[test]
    fn markup_in_a_title_is_text_on_the_server() {
        let hostile = "</title><img src=x onerror=alert(1)><title> & \"'";
        let escaped = title_text(hostile.to_string());
        assert!(!escaped.contains('<'), "{escaped}");
        assert!(!escaped.contains('>'), "{escaped}");
        assert!(escaped.contains("&lt;/title&gt;&lt;img"), "{escaped}");
        assert!(escaped.contains("&amp;"), "{escaped}");
    }
}
