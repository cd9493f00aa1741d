//! Provider chains from the config: per capability, the configured providers in fallback
//! order as `Cache(Fallback[Retry(Metered(vendor))…, Metered(offline)])`, the offline one
//! always last. Vendors without their key are left out, and said so. With no language-model
//! key, a local OpenAI-compatible server (Ollama, llama.cpp, LM Studio) is probed and used
//! before the offline writer. The three chains share one cooldown registry ([`Breakers`]):
//! a provider found down by one is skipped by all until its cooldown ends.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use ytempire_core::layers::{
    BreakerConfig, Breakers, CacheStore, Fallback, ImageSourceLayers, LanguageModelLayers,
    RetryConfig, SpeechSynthesizerLayers,
};
use ytempire_core::metering::Labels;
use ytempire_core::{
    DynImageSource, DynLanguageModel, DynSpeechSynthesizer, Error, ImageSource, LanguageModel,
    Result, SpeechSynthesizer, UsageSink,
};

use crate::config::{
    Config, NarrationKind, NarrationProvider, ScriptKind, ScriptProvider, VisualKind,
    VisualProvider,
};

/// The three provider chains and what was decided while building them.
#[derive(Debug, Clone)]
pub struct Chains {
    /// Script writer chain.
    pub llm: DynLanguageModel,
    /// Narration chain.
    pub tts: DynSpeechSynthesizer,
    /// Visuals chain.
    pub images: DynImageSource,
    /// The same visual sources one by one, in order (each with the shared cooldowns and
    /// cache), for the ranked visuals stage that asks them all.
    pub image_sources: Vec<DynImageSource>,
    /// Human-readable notes: providers skipped (and why), a local server found.
    pub notes: Vec<String>,
    /// The cooldown state the three chains share ([`Breakers::open`] for the summary).
    pub breakers: Breakers,
    /// Which offline voice speaks, and why (e.g. why Piper was not used), for the summary.
    pub offline_voice: String,
}

/// Local OpenAI-compatible servers probed when no language-model key is set.
pub const LOCAL_SERVERS: [(&str, u16); 3] =
    [("Ollama", 11434), ("llama.cpp", 8080), ("LM Studio", 1234)];

/// A local server that answered `/v1/models`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalServer {
    /// Which program (by port).
    pub name: String,
    /// Base URL including `/v1`.
    pub base_url: String,
    /// The first model it lists.
    pub model: String,
}

/// Probe `http://127.0.0.1:PORT/v1/models` on the [`LOCAL_SERVERS`] ports (300 ms each, in
/// parallel); the first that lists a model, in that order.
pub async fn probe_local_llm() -> Option<LocalServer> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_millis(200))
        .build()
        .ok()?;
    let probes = LOCAL_SERVERS.iter().map(|(name, port)| {
        let http = http.clone();
        async move {
            let base = format!("http://127.0.0.1:{port}/v1");
            let resp = http.get(format!("{base}/models")).send().await.ok()?;
            if !resp.status().is_success() {
                return None;
            }
            let body: serde_json::Value = resp.json().await.ok()?;
            let model = body
                .get("data")?
                .as_array()?
                .iter()
                .find_map(|m| m.get("id")?.as_str())?
                .to_string();
            Some(LocalServer {
                name: (*name).to_string(),
                base_url: base,
                model,
            })
        }
    });
    futures_first(probes).await
}

/// The first `Some` in order, all futures run concurrently.
async fn futures_first<F>(futures: impl Iterator<Item = F>) -> Option<LocalServer>
where
    F: std::future::Future<Output = Option<LocalServer>> + Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut found = None;
    for h in handles {
        if let Ok(Some(s)) = h.await
            && found.is_none()
        {
            found = Some(s);
        }
    }
    found
}

fn key_from(var: &str) -> Option<SecretString> {
    std::env::var(var)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .map(|k| SecretString::from(k.trim().to_string()))
}

fn default_script() -> Vec<ScriptProvider> {
    toml::from_str::<ScriptList>(
        r#"list = [
            { kind = "openai", model = "gpt-4o-mini" },
            { kind = "anthropic", model = "claude-3-5-haiku-latest" },
            { kind = "offline" },
        ]"#,
    )
    .map(|l| l.list)
    .unwrap_or_default()
}

fn default_narration() -> Vec<NarrationProvider> {
    toml::from_str::<NarrationList>(
        r#"list = [{ kind = "elevenlabs" }, { kind = "google" }, { kind = "openai" }, { kind = "espeak" }]"#,
    )
    .map(|l| l.list)
    .unwrap_or_default()
}

fn default_visuals() -> Vec<VisualProvider> {
    toml::from_str::<VisualList>(
        r#"list = [{ kind = "pexels" }, { kind = "pixabay" }, { kind = "procedural" }]"#,
    )
    .map(|l| l.list)
    .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct ScriptList {
    list: Vec<ScriptProvider>,
}
#[derive(serde::Deserialize)]
struct NarrationList {
    list: Vec<NarrationProvider>,
}
#[derive(serde::Deserialize)]
struct VisualList {
    list: Vec<VisualProvider>,
}

/// Build the chains. `offline` keeps only the offline providers; `probe` allows the local
/// server probe (the config's `providers.probe_local` must allow it too).
///
/// # Errors
/// `Config` for a provider entry that cannot be built although its key is set.
pub async fn build(
    config: &Config,
    offline: bool,
    sink: Arc<dyn UsageSink>,
    cache: Arc<dyn CacheStore>,
) -> Result<Chains> {
    let mut notes = Vec::new();
    let retry = RetryConfig::default;
    let breakers = Breakers::new(if config.providers.cooldown {
        BreakerConfig::default()
    } else {
        BreakerConfig::disabled()
    });
    let labels = Labels::default;

    // Script.
    let entries = if config.providers.script.is_empty() {
        default_script()
    } else {
        config.providers.script.clone()
    };
    let mut llms: Vec<DynLanguageModel> = Vec::new();
    if !offline {
        for e in entries.iter().filter(|e| e.kind != ScriptKind::Offline) {
            match script_provider(e) {
                Ok(p) => llms.push(
                    p.metered(sink.clone(), labels())
                        .with_retry(retry())
                        .into_dyn(),
                ),
                Err(why) => notes.push(format!("script: skipping {why}")),
            }
        }
        if llms.is_empty()
            && config.providers.probe_local
            && let Some(local) = probe_local_llm().await
        {
            notes.push(format!(
                "script: no language-model key set; using the local {} server at {} (model {})",
                local.name, local.base_url, local.model
            ));
            let cfg = ytempire_llm::OpenAiConfig::compatible(
                "local",
                local.base_url.clone(),
                local.model.clone(),
            );
            let p = ytempire_llm::OpenAiCompatible::new(cfg)?;
            llms.push(
                p.metered(sink.clone(), labels())
                    .with_retry(retry())
                    .into_dyn(),
            );
        }
    }
    llms.push(
        ytempire_llm::OfflineWriter::new()
            .metered(sink.clone(), labels())
            .into_dyn(),
    );
    let llm = Fallback::<dyn LanguageModel>::new(llms)
        .with_breakers(breakers.clone())
        .with_cache(cache.clone())
        .into_dyn();

    // Narration.
    let entries = if config.providers.narration.is_empty() {
        default_narration()
    } else {
        config.providers.narration.clone()
    };
    let espeak_voice = entries
        .iter()
        .find(|e| e.kind == NarrationKind::Espeak)
        .and_then(|e| e.voice.clone());
    let mut voices: Vec<DynSpeechSynthesizer> = Vec::new();
    if !offline {
        for e in entries.iter().filter(|e| e.kind != NarrationKind::Espeak) {
            match speech_provider(e) {
                Ok(p) => voices.push(
                    Arc::new(p.metered(sink.clone(), labels()).with_retry(retry()))
                        as DynSpeechSynthesizer,
                ),
                Err(why) => notes.push(format!("narration: skipping {why}")),
            }
        }
    }
    let offline_voice =
        super::voice::offline_narrators(config.providers.offline_voice, espeak_voice).await;
    for v in offline_voice.voices {
        voices.push(v.metered(sink.clone(), labels()).into_dyn());
    }
    let tts = Fallback::<dyn SpeechSynthesizer>::new(voices)
        .with_breakers(breakers.clone())
        .with_cache(cache.clone())
        .into_dyn();

    // Visuals.
    let entries = if config.providers.visuals.is_empty() {
        default_visuals()
    } else {
        config.providers.visuals.clone()
    };
    let mut sources: Vec<DynImageSource> = Vec::new();
    if !offline {
        for e in entries.iter().filter(|e| e.kind != VisualKind::Procedural) {
            match image_provider(e) {
                Ok(p) => sources.push(Arc::new(
                    p.metered(sink.clone(), labels()).with_retry(retry()),
                ) as DynImageSource),
                Err(why) => notes.push(format!("visuals: skipping {why}")),
            }
        }
    }
    sources.push(
        ytempire_render::sources::Procedural::new()
            .metered(sink, labels())
            .into_dyn(),
    );
    let image_sources = sources
        .iter()
        .map(|s| {
            Fallback::<dyn ImageSource>::new(vec![s.clone()])
                .with_breakers(breakers.clone())
                .with_cache(cache.clone())
                .into_dyn()
        })
        .collect();
    let images = Fallback::<dyn ImageSource>::new(sources)
        .with_breakers(breakers.clone())
        .with_cache(cache)
        .into_dyn();

    Ok(Chains {
        llm,
        tts,
        images,
        image_sources,
        notes,
        breakers,
        offline_voice: offline_voice.summary,
    })
}

/// One configured script provider, or why it is left out.
fn script_provider(e: &ScriptProvider) -> std::result::Result<DynLanguageModel, String> {
    let why = |what: &str, err: Error| format!("{what}: {}", err.message());
    match e.kind {
        ScriptKind::Openai => {
            let model = e.model.clone().unwrap_or_else(|| "gpt-4o-mini".into());
            let var = e.api_key_env.as_deref().unwrap_or("OPENAI_API_KEY");
            let key = key_from(var).ok_or_else(|| format!("openai/{model}: {var} is not set"))?;
            let mut cfg = ytempire_llm::OpenAiConfig::openai(model.clone(), key);
            if let Some(base) = env_nonempty("OPENAI_BASE_URL") {
                cfg = cfg.with_base_url(base);
            }
            if let Some(b) = &e.base_url {
                cfg = cfg.with_base_url(b.0.clone());
            }
            if let Some(t) = e.timeout_secs {
                cfg.timeout = Duration::from_secs_f64(t.0);
            }
            cfg = cfg.with_org_project(
                std::env::var("OPENAI_ORG_ID").ok(),
                std::env::var("OPENAI_PROJECT_ID").ok(),
            );
            ytempire_llm::OpenAiCompatible::new(cfg)
                .map(|p| Arc::new(p) as DynLanguageModel)
                .map_err(|err| why(&format!("openai/{model}"), err))
        }
        ScriptKind::Compatible => {
            let model = e.model.clone().unwrap_or_default();
            let base = e.base_url.as_ref().map(|b| b.0.clone()).unwrap_or_default();
            let mut cfg = ytempire_llm::OpenAiConfig::compatible("compatible", base, model.clone());
            if let Some(var) = &e.api_key_env {
                cfg.account.api_key = Some(
                    key_from(var).ok_or_else(|| format!("compatible/{model}: {var} is not set"))?,
                );
            }
            if let Some(t) = e.timeout_secs {
                cfg.timeout = Duration::from_secs_f64(t.0);
            }
            ytempire_llm::OpenAiCompatible::new(cfg)
                .map(|p| Arc::new(p) as DynLanguageModel)
                .map_err(|err| why(&format!("compatible/{model}"), err))
        }
        ScriptKind::Anthropic => {
            let model = e
                .model
                .clone()
                .unwrap_or_else(|| "claude-3-5-haiku-latest".into());
            let var = e.api_key_env.as_deref().unwrap_or("ANTHROPIC_API_KEY");
            let key =
                key_from(var).ok_or_else(|| format!("anthropic/{model}: {var} is not set"))?;
            let mut cfg = ytempire_llm::AnthropicConfig::new(model.clone(), key);
            if let Some(base) = env_nonempty("ANTHROPIC_BASE_URL") {
                cfg.base_url = base;
            }
            if let Some(b) = &e.base_url {
                cfg.base_url = b.0.clone();
            }
            if let Some(t) = e.timeout_secs {
                cfg.timeout = Duration::from_secs_f64(t.0);
            }
            ytempire_llm::Anthropic::new(cfg)
                .map(|p| Arc::new(p) as DynLanguageModel)
                .map_err(|err| why(&format!("anthropic/{model}"), err))
        }
        ScriptKind::Offline => Err("offline (always last)".into()),
    }
}

fn env_nonempty(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `client` passed through `set` with `value` when the config gives one: an entry's
/// optional override applied with the client's own setter.
fn apply<C, V: Clone>(client: C, value: Option<&V>, set: impl FnOnce(C, V) -> C) -> C {
    match value {
        Some(v) => set(client, v.clone()),
        None => client,
    }
}

/// One configured narration provider, or why it is left out.
fn speech_provider(e: &NarrationProvider) -> std::result::Result<DynSpeechSynthesizer, String> {
    let why = |what: &str, err: Error| format!("{what}: {}", err.message());
    let base_url = e.base_url.as_ref().map(|b| &b.0);
    match e.kind {
        NarrationKind::Elevenlabs => {
            let p = ytempire_tts::ElevenLabs::from_env().map_err(|err| why("elevenlabs", err))?;
            let p = apply(p, base_url, |p, b| p.with_base_url(b));
            let p = apply(p, e.model.as_ref(), |p, m| p.with_model(m));
            Ok(Arc::new(apply(p, e.voice.as_ref(), |p, v| p.with_voice(v))))
        }
        NarrationKind::Google => {
            let p = ytempire_tts::GoogleTts::from_env().map_err(|err| why("google", err))?;
            let p = apply(p, base_url, |p, b| p.with_base_url(b));
            Ok(Arc::new(apply(p, e.voice.as_ref(), |p, v| p.with_voice(v))))
        }
        NarrationKind::Openai => {
            if key_from("OPENAI_API_KEY").is_none() && e.base_url.is_none() {
                return Err("openai speech: OPENAI_API_KEY is not set".into());
            }
            let p =
                ytempire_tts::OpenAiSpeech::from_env().map_err(|err| why("openai speech", err))?;
            let p = apply(p, base_url, |p, b| p.with_base_url(b));
            let p = apply(p, e.model.as_ref(), |p, m| p.with_model(m));
            Ok(Arc::new(apply(p, e.voice.as_ref(), |p, v| p.with_voice(v))))
        }
        NarrationKind::Espeak => Err("espeak (always last)".into()),
    }
}

/// A visual source built with `new` from its vendor config (the entry's `base_url` applied),
/// or why it is left out, named `what`.
fn image_source<C, S: ImageSource>(
    what: &str,
    cfg: Result<C>,
    base_url: Option<&String>,
    with_base_url: impl FnOnce(C, String) -> C,
    new: impl FnOnce(C) -> Result<S>,
) -> std::result::Result<DynImageSource, String> {
    let why = |err: Error| format!("{what}: {}", err.message());
    let cfg = apply(cfg.map_err(why)?, base_url, with_base_url);
    new(cfg).map(|p| Arc::new(p) as DynImageSource).map_err(why)
}

/// One configured visual source, or why it is left out.
fn image_provider(e: &VisualProvider) -> std::result::Result<DynImageSource, String> {
    use ytempire_render::sources as src;
    let base_url = e.base_url.as_ref().map(|b| &b.0);
    match e.kind {
        VisualKind::Pexels => image_source(
            "pexels",
            src::PexelsConfig::from_env(),
            base_url,
            |c, b| c.with_base_url(b),
            src::Pexels::new,
        ),
        VisualKind::Pixabay => image_source(
            "pixabay",
            src::PixabayConfig::from_env(),
            base_url,
            |c, b| c.with_base_url(b),
            src::Pixabay::new,
        ),
        VisualKind::Stability => {
            let model = match e.model.as_deref().unwrap_or("core") {
                "ultra" => src::StabilityModel::Ultra,
                "core" => src::StabilityModel::Core,
                "sd3.5-large" => src::StabilityModel::Sd35Large,
                "sd3.5-large-turbo" => src::StabilityModel::Sd35LargeTurbo,
                "sd3.5-medium" => src::StabilityModel::Sd35Medium,
                other => {
                    return Err(format!(
                        "stability: unknown model {other:?} (ultra, core, sd3.5-large, sd3.5-large-turbo, sd3.5-medium)"
                    ));
                }
            };
            image_source(
                "stability",
                src::StabilityConfig::from_env(model),
                base_url,
                |c, b| c.with_base_url(b),
                src::Stability::new,
            )
        }
        VisualKind::Openai => {
            let model = e.model.clone().unwrap_or_else(|| "gpt-image-1".into());
            image_source(
                &format!("openai images/{model}"),
                src::OpenAiImagesConfig::from_env(model.clone()),
                base_url,
                |c, b| c.with_base_url(b),
                src::OpenAiImages::new,
            )
        }
        VisualKind::Procedural => Err("procedural (always last)".into()),
    }
}
