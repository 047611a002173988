//! Cloudflare's v4 envelope (`{"success","errors","messages","result"}`) for answers and
//! failures, and the error codes the stand-in uses, as Cloudflare documents them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// The token is not valid (on `/user/tokens/verify`).
pub const INVALID_TOKEN: u32 = 1000;
/// The token may not act here (unknown token, or an account it has no access to).
pub const AUTHENTICATION_ERROR: u32 = 10000;
/// No such Worker (wrangler calls this `WORKER_NOT_FOUND_ERR_CODE`).
pub const WORKER_NOT_FOUND: u32 = 10007;
/// No route for the path.
pub const NO_ROUTE: u32 = 7003;

pub fn success(result: Value) -> Response {
    Json(json!({ "success": true, "errors": [], "messages": [], "result": result })).into_response()
}

pub fn failure(status: StatusCode, code: u32, message: &str) -> Response {
    let body =
        json!({ "success": false, "errors": [{ "code": code, "message": message }], "messages": [], "result": null });
    (status, Json(body)).into_response()
}

/// A list answer with Cloudflare's `result_info` (one page holds everything here).
pub fn paged(list: Vec<Value>) -> Response {
    let count = list.len();
    Json(json!({
        "success": true, "errors": [], "messages": [], "result": list,
        "result_info": { "page": 1, "per_page": 50, "count": count, "total_count": count, "total_pages": 1 }
    }))
    .into_response()
}
