//! Keys and base URLs from the environment, each read one way: trimmed, empty meaning unset,
//! base URLs validated, errors naming the variable and never showing a key.
//!
//! Every function has a form taking a `lookup` (`|name| -> Option<String>`), so a vendor's
//! `from_env_with` can be tested with a map instead of the process environment (which tests
//! running in parallel would race on).

use secrecy::SecretString;

use super::error::scrub_url;
use crate::{Error, Result};

/// The process environment as a `lookup` for the `*_from` functions and the vendors'
/// `from_env_with` seams: `from_env()` is `from_env_with(process_env)`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `name` from the process environment, trimmed; unset, empty or not Unicode gives `None`.
pub fn env_var(name: &str) -> Option<String> {
    var_from(&process_env, name)
}

/// `name` read through `lookup`, trimmed; unset or empty gives `None`.
pub fn var_from(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A required API key from the process environment: see [`key_from`].
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) naming `name` when it is unset or empty.
pub fn env_key(name: &str) -> Result<SecretString> {
    key_from(&process_env, name)
}

/// A required API key `name` read through `lookup` (trimmed; empty counts as unset). The
/// value never appears in an error.
///
/// ```
/// use ytempire_core::http::key_from;
/// let env = |name: &str| (name == "EXAMPLE_API_KEY").then(|| " k-123 ".to_owned());
/// assert!(key_from(&env, "EXAMPLE_API_KEY").is_ok());
/// let e = key_from(&env, "OTHER_API_KEY").unwrap_err();
/// assert_eq!(e.message(), "OTHER_API_KEY is not set (or is empty): set it to your API key");
/// ```
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) naming `name` when it is unset or empty.
pub fn key_from(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<SecretString> {
    var_from(lookup, name)
        .map(SecretString::from)
        .ok_or_else(|| {
            Error::config(format!(
                "{name} is not set (or is empty): set it to your API key"
            ))
        })
}

/// A base URL from the process environment: see [`base_url_from`].
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) naming `name` when it is set to something
/// that is not an http(s) URL with a host.
pub fn env_base_url(name: &str, default: &str) -> Result<String> {
    base_url_from(&process_env, name, default)
}

/// The base URL in `name` read through `lookup`, else `default`; trailing `/` removed. A set
/// value must be an `http` or `https` URL with a host (proxies, regional endpoints, loopback
/// fakes); anything else is an error naming the variable, showing the value without user
/// info or query.
///
/// ```
/// use ytempire_core::http::base_url_from;
/// let env = |name: &str| match name {
///     "GOOD_BASE_URL" => Some("http://127.0.0.1:8080/v1/".to_owned()),
///     "BAD_BASE_URL" => Some("api.example.com".to_owned()),
///     _ => None,
/// };
/// assert_eq!(base_url_from(&env, "GOOD_BASE_URL", "https://x").unwrap(), "http://127.0.0.1:8080/v1");
/// assert_eq!(base_url_from(&env, "UNSET_BASE_URL", "https://api.example.com/").unwrap(), "https://api.example.com");
/// let e = base_url_from(&env, "BAD_BASE_URL", "https://api.example.com").unwrap_err();
/// assert!(e.message().starts_with("BAD_BASE_URL must be an http(s) URL"), "{e}");
/// ```
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) as above.
pub fn base_url_from(
    lookup: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
) -> Result<String> {
    let Some(value) = var_from(lookup, name) else {
        return Ok(default.trim().trim_end_matches('/').to_owned());
    };
    match url_problem(&value) {
        None => Ok(value.trim_end_matches('/').to_owned()),
        Some(problem) => Err(Error::config(format!(
            "{name} must be an http(s) URL such as {default}, but {problem}; fix or unset it"
        ))),
    }
}

/// A vendor's required key (`key_var`) and optional base URL (`base_var`, else `default`),
/// both read through `lookup` as [`key_from`] and [`base_url_from`] read them: what every
/// vendor's `from_env_with` needs.
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) naming the variable at fault.
pub fn key_and_base_url(
    lookup: &dyn Fn(&str) -> Option<String>,
    key_var: &str,
    base_var: &str,
    default: &str,
) -> Result<(SecretString, String)> {
    Ok((
        key_from(lookup, key_var)?,
        base_url_from(lookup, base_var, default)?,
    ))
}

/// Refuse a configured base URL that is not an `http` or `https` URL with a host, naming
/// `provider` (for configurations built in code rather than read by [`base_url_from`]).
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) saying what is wrong.
pub fn check_base_url(provider: &str, base: &str) -> Result<()> {
    match url_problem(base.trim()) {
        None => Ok(()),
        Some(problem) => Err(Error::config(format!(
            "{provider}: the base URL must be an http(s) URL, but {problem}"
        ))
        .with_provider(provider)),
    }
}

/// What is wrong with `value` as a base URL, shown without user info or query.
fn url_problem(value: &str) -> Option<String> {
    match reqwest::Url::parse(value) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Some(format!(
            "`{}` has scheme `{}`",
            scrub_url(&url),
            url.scheme().chars().take(16).collect::<String>()
        )),
        Ok(url) if url.host_str().is_none_or(str::is_empty) => {
            Some(format!("`{}` has no host", scrub_url(&url)))
        }
        Ok(_) => None,
        // The value is not shown: it did not parse, so it cannot be scrubbed.
        Err(e) => Some(format!("its value does not parse ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use secrecy::ExposeSecret as _;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        crate::testing::env_lookup(pairs.iter().copied())
    }

    #[test]
    fn keys_are_trimmed_and_empty_is_unset() {
        let lookup = env(&[("K", "  abc \n"), ("EMPTY", "   ")]);
        assert_eq!(key_from(&lookup, "K").unwrap().expose_secret(), "abc");
        let e = key_from(&lookup, "EMPTY").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().starts_with("EMPTY is not set"), "{e}");
    }

    #[test]
    fn base_urls_are_validated_and_name_the_variable() {
        let lookup = env(&[
            ("OK", " https://proxy.example/v1// "),
            ("FTP", "ftp://files.example/x"),
            ("CREDS", "mailto:user@example.com?key=secret"),
            ("JUNK", "not a url"),
            ("EMPTY", ""),
        ]);
        let get = |name| base_url_from(&lookup, name, "https://api.example.com/");
        assert_eq!(get("OK").unwrap(), "https://proxy.example/v1");
        assert_eq!(get("EMPTY").unwrap(), "https://api.example.com");
        assert_eq!(get("UNSET").unwrap(), "https://api.example.com");
        for bad in ["FTP", "CREDS", "JUNK"] {
            let e = get(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config);
            assert!(
                e.message()
                    .starts_with(&format!("{bad} must be an http(s) URL")),
                "{e}"
            );
            assert!(!e.message().contains("secret"), "{e}");
        }
        assert!(get("FTP").unwrap_err().message().contains("scheme `ftp`"));
        assert!(
            get("JUNK")
                .unwrap_err()
                .message()
                .contains("does not parse")
        );
    }
}
