//! A list's state in the URL with GitLab's parameter names: `search[]`, `orderBy`, `sort`,
//! `after`, `before` (and on tag lists `platform`, `older_than`). Links built here keep the
//! view when copied; changing search, sort or filters drops the page cursor.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::server_fns::registry::ListParams;

/// The list parameters of the current URL.
pub fn use_list_params() -> Memo<ListParams> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        ListParams {
            search: get("search[]").or_else(|| get("search")),
            order_by: get("orderBy"),
            sort: get("sort"),
            after: get("after"),
            before: get("before"),
            platform: get("platform"),
            older_than: get("older_than"),
        }
    })
}

/// `base?…` for `params`.
pub fn list_href(base: &str, params: &ListParams) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    let pairs = [
        ("search[]", &params.search),
        ("orderBy", &params.order_by),
        ("sort", &params.sort),
        ("platform", &params.platform),
        ("older_than", &params.older_than),
        ("after", &params.after),
        ("before", &params.before),
    ];
    for (k, v) in pairs {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            q.append_pair(k, v);
        }
    }
    let q = q.finish();
    if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{q}")
    }
}

/// Previous / Next links from a page's neighbour cursors.
#[component]
pub fn Pager(base: String, params: ListParams, previous: Option<String>, next: Option<String>) -> impl IntoView {
    if previous.is_none() && next.is_none() {
        return None;
    }
    let link = |cursor: Option<String>, after: bool, label: &'static str, rel: &'static str| match cursor {
        Some(c) => {
            let mut p = params.clone();
            if after {
                (p.after, p.before) = (Some(c), None);
            } else {
                (p.after, p.before) = (None, Some(c));
            }
            view! { <a class="button" rel=rel href=list_href(&base, &p)>{label}</a> }.into_any()
        }
        None => view! { <span class="button disabled" aria-disabled="true">{label}</span> }.into_any(),
    };
    Some(view! {
        <nav class="pager" aria-label="Pages">
            {link(previous, false, "Previous", "prev")}
            {link(next, true, "Next", "next")}
        </nav>
    })
}

/// The search, sort and filter form (a GET form: works before the WebAssembly loads, and with
/// it navigates without a reload). Submitting it starts again at the first page. `orders`: (value, label) of the sort keys.
#[component]
pub fn ListControls(
    base: String,
    params: ListParams,
    orders: &'static [(&'static str, &'static str)],
    order_by: String,
    sort: String,
    #[prop(optional)] tag_filters: bool,
    search_label: &'static str,
) -> impl IntoView {
    let search = params.search.clone().unwrap_or_default();
    let platform = params.platform.clone().unwrap_or_default();
    let older = params.older_than.clone().unwrap_or_default();
    view! {
        <Form method="GET" action=base.clone() on_form_data=std::sync::Arc::new(drop_empty_fields) attr:class="list-controls" attr:role="search">
            <label class="sr-only" for="list-search">{search_label}</label>
            <input id="list-search" type="search" name="search[]" value=search placeholder=search_label data-testid="list-search"/>
            <label for="list-order">"Sort by"</label>
            <select id="list-order" name="orderBy" data-testid="list-order" on:change=submit_own_form>
                {orders.iter().map(|(v, label)| view! { <option value=*v selected=*v == order_by>{*label}</option> }).collect_view()}
            </select>
            <label class="sr-only" for="list-sort">"Order"</label>
            <select id="list-sort" name="sort" data-testid="list-sort" on:change=submit_own_form>
                <option value="desc" selected=sort == "desc">"Descending"</option>
                <option value="asc" selected=sort == "asc">"Ascending"</option>
            </select>
            {tag_filters.then(|| view! {
                <label for="list-platform">"Platforms"</label>
                <select id="list-platform" name="platform" data-testid="list-platform" on:change=submit_own_form>
                    <option value="" selected=platform.is_empty()>"Any"</option>
                    <option value="multi" selected=platform == "multi">"Multi-platform"</option>
                    <option value="single" selected=platform == "single">"Single-platform"</option>
                </select>
                <label for="list-older">"Published"</label>
                <select id="list-older" name="older_than" data-testid="list-older" on:change=submit_own_form>
                    <option value="" selected=older.is_empty()>"Any time"</option>
                    {[("7d", "Older than 7 days"), ("14d", "Older than 14 days"), ("30d", "Older than 30 days"), ("90d", "Older than 90 days")]
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=v == older>{l}</option> })
                        .collect_view()}
                </select>
            })}
            <button type="submit">"Apply"</button>
        </Form>
    }
}

/// The fields of the list form, in URL order.
const LIST_FIELDS: [&str; 5] = ["search[]", "orderBy", "sort", "platform", "older_than"];

/// Drops the form's empty fields before the browser builds the URL, so shared links carry
/// no `search[]=&platform=&older_than=` (without JavaScript the browser sends them, and
/// empty values mean the defaults).
fn drop_empty_fields(data: &web_sys::FormData) {
    // The submitter can arrive as an entry without a name.
    data.delete("");
    for name in LIST_FIELDS {
        if data.get(name).as_string().is_some_and(|v| v.is_empty()) {
            data.delete(name);
        }
    }
}

/// A sort or filter select applies as soon as it changes (the Apply button stays for
/// browsers without JavaScript).
fn submit_own_form(ev: leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    let form = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).and_then(|s| s.form());
    if let Some(form) = form {
        let _ = form.request_submit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_use_gitlab_parameter_names() {
        let p = ListParams {
            search: Some("v1 b&c".into()),
            order_by: Some("NAME".into()),
            sort: Some("asc".into()),
            after: Some("v1~".into()),
            ..ListParams::default()
        };
        assert_eq!(
            list_href("/g/p/container_registry", &p),
            "/g/p/container_registry?search%5B%5D=v1+b%26c&orderBy=NAME&sort=asc&after=v1%7E"
        );
        assert_eq!(list_href("/x", &ListParams::default()), "/x");
    }
}
