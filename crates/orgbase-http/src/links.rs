//! Absolute links, from `ORGBASE_PUBLIC_URL` when set, else from the request's scheme and
//! Host. Query strings are re-encoded so `[` and `]` are percent-encoded, as RFC 3986 needs.

use actix_web::HttpRequest;

/// `scheme://host[:port][/prefix]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl BaseUrl {
    pub fn new(url: &str) -> Self {
        Self(url.trim_end_matches('/').to_owned())
    }

    pub fn from_request(req: &HttpRequest, public_url: Option<&BaseUrl>) -> Self {
        if let Some(base) = public_url {
            return base.clone();
        }
        let info = req.connection_info();
        let scheme = match info.scheme() {
            "https" => "https",
            _ => "http",
        };
        // A Host header is client input: only a plausible host[:port] may reach our links.
        let host = info.host();
        let plausible = !host.is_empty()
            && host.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
            });
        let host = if plausible { host } else { "localhost" };
        Self(format!("{scheme}://{host}"))
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The absolute URL of `path` with these query parameters, encoded.
    pub fn join_with_query(&self, path: &str, params: &[(String, String)]) -> String {
        let mut url = self.join(path);
        if !params.is_empty() {
            url.push('?');
            url.push_str(&encode_query(params));
        }
        url
    }
}

/// `application/x-www-form-urlencoded`, which percent-encodes brackets and commas.
pub fn encode_query(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_percent_encoded() {
        let base = BaseUrl::new("https://crm.example/api/");
        let url = base.join_with_query(
            "/organizations",
            &[
                ("page[number]".into(), "2".into()),
                ("sort".into(), "-name,slug".into()),
            ],
        );
        assert_eq!(
            url,
            "https://crm.example/api/organizations?page%5Bnumber%5D=2&sort=-name%2Cslug"
        );
    }
}
