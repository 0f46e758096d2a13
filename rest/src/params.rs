//! Request parameters the way GitLab's API takes them: the query string merged with a JSON or
//! form body (`scopes[]=a&scopes[]=b` lists, `attrs[key]=value` objects), read with lenient
//! typed getters (`"10"` is a number, `"true"` a boolean) that answer `{"error": ...}`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// Largest request body read for parameters.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Params(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut map = Map::new();
        if let Some(query) = req.uri().query() {
            merge_form(&mut map, query)?;
        }
        let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let body = Bytes::from_request(req, state).await.map_err(|_| ApiError::param("the request body could not be read"))?;
        if body.len() > MAX_BODY {
            return Err(ApiError::param("the request body is too large"));
        }
        if !body.is_empty() {
            if content_type.starts_with("application/json") || (content_type.is_empty() && body.first() == Some(&b'{')) {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(obj)) => map.extend(obj),
                    _ => return Err(ApiError::param("the body is not a JSON object")),
                }
            } else if content_type.starts_with("application/x-www-form-urlencoded") || content_type.is_empty() {
                let text = std::str::from_utf8(&body).map_err(|_| ApiError::param("the body is not UTF-8"))?;
                merge_form(&mut map, text)?;
            } else if !content_type.starts_with("multipart/") {
                return Err(ApiError::param(format!("unsupported content type {content_type:?}")));
            }
        }
        Ok(Params(map))
    }
}

fn merge_form(map: &mut Map<String, Value>, text: &str) -> ApiResult<()> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).map_err(|_| ApiError::param("the query string is malformed"))?;
    for (key, value) in pairs {
        if let Some(base) = key.strip_suffix("[]") {
            match map.entry(base.to_string()).or_insert_with(|| Value::Array(vec![])) {
                Value::Array(items) => items.push(Value::String(value)),
                other => *other = Value::Array(vec![Value::String(value)]),
            }
        } else if let Some((base, rest)) = key.split_once('[').filter(|(_, r)| r.ends_with(']')) {
            let inner = rest.trim_end_matches(']').to_string();
            let entry = map.entry(base.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            entry.as_object_mut().expect("object").insert(inner, Value::String(value));
        } else {
            map.insert(key, Value::String(value));
        }
    }
    Ok(())
}

impl Params {
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Present and explicitly null (JSON `null`, or an empty form value).
    pub fn is_null(&self, key: &str) -> bool {
        matches!(self.0.get(key), Some(Value::Null)) || matches!(self.0.get(key), Some(Value::String(s)) if s.is_empty())
    }

    pub fn str(&self, key: &str) -> ApiResult<Option<String>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
        }
    }

    pub fn required_str(&self, key: &str) -> ApiResult<String> {
        self.str(key)?.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::param(format!("{key} is missing")))
    }

    pub fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| ApiError::param(format!("{key} is invalid"))),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ApiError::param(format!("{key} is invalid"))),
            Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
        }
    }

    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                // python-gitlab sends Python's spelling (`True`) in query strings.
                "true" | "1" | "yes" | "t" => Ok(Some(true)),
                "false" | "0" | "no" | "f" => Ok(Some(false)),
                _ => Err(ApiError::param(format!("{key} is invalid"))),
            },
            Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
        }
    }

    /// A list: a JSON array, repeated `key[]=`, or one comma-separated string.
    pub fn list(&self, key: &str) -> ApiResult<Option<Vec<String>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| ApiError::param(format!("{key} is invalid"))))
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect())),
            Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
        }
    }

    pub fn object(&self, key: &str) -> ApiResult<Option<Params>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(Params(o.clone()))),
            Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_lists_and_objects() {
        let mut map = Map::new();
        merge_form(&mut map, "scopes[]=api&scopes[]=read_api&p[keep_n]=5&name=x%2Fy&keep_n=10").unwrap();
        let p = Params(map);
        assert_eq!(p.list("scopes").unwrap().unwrap(), vec!["api", "read_api"]);
        assert_eq!(p.object("p").unwrap().unwrap().int("keep_n").unwrap(), Some(5));
        assert_eq!(p.str("name").unwrap().as_deref(), Some("x/y"));
        assert_eq!(p.int("keep_n").unwrap(), Some(10));
        assert!(p.int("name").is_err());
        assert_eq!(p.list("name").unwrap().unwrap(), vec!["x/y"]);
        let mut map = Map::new();
        merge_form(&mut map, "tags=True&size=false").unwrap();
        let p = Params(map);
        assert_eq!((p.bool("tags").unwrap(), p.bool("size").unwrap()), (Some(true), Some(false)));
    }
}
