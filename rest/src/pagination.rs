//! GitLab's offset pagination (`page`, `per_page` ≤ 100; `X-*` headers and `Link`) and the
//! `Link` header of keyset pagination.

use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::RestState;

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub fn from_params(params: &Params) -> ApiResult<PageRequest> {
        let page = params.int("page")?.unwrap_or(1);
        let per_page = params.int("per_page")?.unwrap_or(DEFAULT_PER_PAGE);
        if page < 1 {
            return Err(ApiError::param("page is invalid"));
        }
        if per_page < 1 {
            return Err(ApiError::param("per_page is invalid"));
        }
        Ok(PageRequest { page, per_page: per_page.min(MAX_PER_PAGE) })
    }
}

/// The URL of the same request with some query parameters replaced.
pub fn page_url(state: &RestState, uri: &Uri, replace: &[(&str, String)]) -> String {
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !replace.iter().any(|(r, _)| r == k))
        .collect();
    pairs.extend(replace.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}{}?{}", state.external_url.trim_end_matches('/'), uri.path(), query)
}

/// One page of `items` (all of them, in order) with GitLab's headers.
pub fn paginated<T: Serialize>(state: &RestState, uri: &Uri, request: PageRequest, items: Vec<T>) -> Response {
    let total = items.len() as i64;
    let total_pages = ((total + request.per_page - 1) / request.per_page).max(1);
    let start = ((request.page - 1) * request.per_page).min(total) as usize;
    let end = (start + request.per_page as usize).min(items.len());
    let page_items: Vec<T> = items.into_iter().skip(start).take(end - start).collect();

    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("x-page", request.page.to_string());
    set("x-per-page", request.per_page.to_string());
    set("x-total", total.to_string());
    set("x-total-pages", total_pages.to_string());
    let next = if request.page < total_pages { Some(request.page + 1) } else { None };
    let prev = if request.page > 1 { Some((request.page - 1).min(total_pages)) } else { None };
    set("x-next-page", next.map(|n| n.to_string()).unwrap_or_default());
    set("x-prev-page", prev.map(|n| n.to_string()).unwrap_or_default());
    let link = |page: i64, rel: &str| {
        format!("<{}>; rel=\"{rel}\"", page_url(state, uri, &[("page", page.to_string()), ("per_page", request.per_page.to_string())]))
    };
    let mut links = Vec::new();
    if let Some(p) = prev {
        links.push(link(p, "prev"));
    }
    if let Some(n) = next {
        links.push(link(n, "next"));
    }
    links.push(link(1, "first"));
    links.push(link(total_pages, "last"));
    set("link", links.join(", "));
    (headers, Json(page_items)).into_response()
}
